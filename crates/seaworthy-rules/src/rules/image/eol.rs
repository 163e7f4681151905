//! The operating system from /etc/os-release, and when its security support ends.
//!
//! The dates are the distributions' published end of security support: Debian including its
//! LTS period, Ubuntu's standard support (without paid ESM), Alpine's branch end of life,
//! RHEL and its rebuilds (Rocky, AlmaLinux, Oracle Linux) their maintenance end, CentOS Stream
//! and Amazon Linux their end of life. A release older than every row of its distribution is
//! past the oldest row's date.

use chrono::NaiveDate;

/// The fields of os-release the rules use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: String,
    pub name: String,
    pub pretty_name: String,
}

impl OsRelease {
    pub fn parse(text: &str) -> OsRelease {
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.trim().split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            match k.trim() {
                "ID" => os.id = v.to_ascii_lowercase(),
                "VERSION_ID" => os.version_id = v,
                "NAME" => os.name = v,
                "PRETTY_NAME" => os.pretty_name = v,
                _ => {}
            }
        }
        os
    }

    /// `Debian GNU/Linux 11 (bullseye)`, else the name and version.
    pub fn display(&self) -> String {
        if !self.pretty_name.is_empty() {
            self.pretty_name.clone()
        } else {
            format!("{} {}", self.name, self.version_id)
                .trim()
                .to_string()
        }
    }
}

/// `(distribution ids, release, end of support)`.
type Row = (&'static [&'static str], &'static str, &'static str);

const DEBIAN: &[&str] = &["debian"];
const UBUNTU: &[&str] = &["ubuntu"];
const ALPINE: &[&str] = &["alpine"];
const RHEL: &[&str] = &["rhel", "rocky", "almalinux", "ol", "centos"];
const STREAM: &[&str] = &["centos-stream"];
const AMAZON: &[&str] = &["amzn"];

const TABLE: &[Row] = &[
    (DEBIAN, "8", "2020-06-30"),
    (DEBIAN, "9", "2022-06-30"),
    (DEBIAN, "10", "2024-06-30"),
    (DEBIAN, "11", "2026-08-31"),
    (DEBIAN, "12", "2028-06-30"),
    (DEBIAN, "13", "2030-06-30"),
    (UBUNTU, "14.04", "2019-04-30"),
    (UBUNTU, "16.04", "2021-04-30"),
    (UBUNTU, "18.04", "2023-05-31"),
    (UBUNTU, "20.04", "2025-05-31"),
    (UBUNTU, "22.04", "2027-05-31"),
    (UBUNTU, "23.04", "2024-01-25"),
    (UBUNTU, "23.10", "2024-07-11"),
    (UBUNTU, "24.04", "2029-05-31"),
    (UBUNTU, "24.10", "2025-07-10"),
    (UBUNTU, "25.04", "2026-01-15"),
    (UBUNTU, "25.10", "2026-07-09"),
    (ALPINE, "3.10", "2021-05-01"),
    (ALPINE, "3.11", "2021-11-01"),
    (ALPINE, "3.12", "2022-05-01"),
    (ALPINE, "3.13", "2022-11-01"),
    (ALPINE, "3.14", "2023-05-01"),
    (ALPINE, "3.15", "2023-11-01"),
    (ALPINE, "3.16", "2024-05-23"),
    (ALPINE, "3.17", "2024-11-22"),
    (ALPINE, "3.18", "2025-05-09"),
    (ALPINE, "3.19", "2025-11-01"),
    (ALPINE, "3.20", "2026-04-01"),
    (ALPINE, "3.21", "2026-11-01"),
    (ALPINE, "3.22", "2027-05-01"),
    (ALPINE, "3.23", "2027-11-01"),
    (RHEL, "6", "2020-11-30"),
    (RHEL, "7", "2024-06-30"),
    (RHEL, "8", "2029-05-31"),
    (RHEL, "9", "2032-05-31"),
    (RHEL, "10", "2035-05-31"),
    (STREAM, "8", "2024-05-31"),
    (STREAM, "9", "2027-05-31"),
    (AMAZON, "2018.03", "2023-12-31"),
    (AMAZON, "2", "2026-06-30"),
    (AMAZON, "2023", "2029-06-30"),
];

fn numbers(v: &str) -> Vec<u32> {
    v.split(['.', '-'])
        .map_while(|p| p.parse::<u32>().ok())
        .collect()
}

/// The end of security support of `os`, when the table knows its distribution and release.
pub fn end_of_support(os: &OsRelease) -> Option<NaiveDate> {
    let mut id = os.id.as_str();
    if id == "centos" && os.name.contains("Stream") {
        id = "centos-stream";
    }
    let rows: Vec<&Row> = TABLE.iter().filter(|r| r.0.contains(&id)).collect();
    let version = numbers(&os.version_id);
    if rows.is_empty() || version.is_empty() {
        return None;
    }
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    // CentOS Linux 8 (not Stream) ended before the RHEL 8 rebuilds did.
    if id == "centos" && version[0] == 8 {
        return date("2021-12-31");
    }
    // The longest row that is a prefix of the version: `3.19` for `3.19.1`, `8` for `8.9`.
    let exact = rows
        .iter()
        .filter(|r| {
            let key = numbers(r.1);
            version.len() >= key.len() && version[..key.len()] == key[..]
        })
        .max_by_key(|r| numbers(r.1).len());
    if let Some(r) = exact {
        return date(r.2);
    }
    let oldest = rows.iter().min_by(|a, b| numbers(a.1).cmp(&numbers(b.1)))?;
    (version < numbers(oldest.1))
        .then(|| date(oldest.2))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, version: &str) -> OsRelease {
        OsRelease {
            id: id.into(),
            version_id: version.into(),
            ..OsRelease::default()
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_os_release() {
        let o = OsRelease::parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        );
        assert_eq!((o.id.as_str(), o.version_id.as_str()), ("debian", "12"));
        assert_eq!(o.display(), "Debian GNU/Linux 12 (bookworm)");
    }

    #[test]
    fn releases_map_to_dates() {
        assert_eq!(end_of_support(&os("debian", "11")), Some(d("2026-08-31")));
        assert_eq!(
            end_of_support(&os("alpine", "3.19.1")),
            Some(d("2025-11-01"))
        );
        assert_eq!(
            end_of_support(&os("ubuntu", "22.04")),
            Some(d("2027-05-31"))
        );
        assert_eq!(end_of_support(&os("rocky", "8.9")), Some(d("2029-05-31")));
        assert_eq!(end_of_support(&os("centos", "7")), Some(d("2024-06-30")));
        assert_eq!(end_of_support(&os("centos", "8")), Some(d("2021-12-31")));
        let mut stream = os("centos", "9");
        stream.name = "CentOS Stream".into();
        assert_eq!(end_of_support(&stream), Some(d("2027-05-31")));
        assert_eq!(end_of_support(&os("amzn", "2")), Some(d("2026-06-30")));
        // Older than the table: past its oldest date.
        assert_eq!(
            end_of_support(&os("alpine", "3.5.2")),
            Some(d("2021-05-01"))
        );
        assert_eq!(end_of_support(&os("debian", "7")), Some(d("2020-06-30")));
        // Unknown distributions and releases newer than the table: nothing claimed.
        assert_eq!(end_of_support(&os("arch", "")), None);
        assert_eq!(end_of_support(&os("alpine", "3.99")), None);
        assert_eq!(end_of_support(&os("debian", "")), None);
    }
}
