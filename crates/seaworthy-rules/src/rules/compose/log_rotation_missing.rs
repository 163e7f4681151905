use seaworthy_compose::Service;

use super::yaml_edit::{NewValue, ServiceSite, Written};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

/// A service whose logs grow without bound: no `logging:` (Docker's default `json-file`
/// driver keeps everything), or the `json-file` driver without `max-size` and `max-file`.
///
/// - The `local` driver rotates by default (five files of 20 MB), so it passes.
/// - Drivers that send logs elsewhere (`syslog`, `journald`, `fluentd`, `gelf`, `awslogs`,
///   `splunk`, `gcplogs`, `etwlogs`, `logentries`, plugins) and `none` keep nothing on the
///   host's disk that grows, and pass.
pub struct LogRotationMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2101",
    name: "compose-log-rotation-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 8,
    aliases: &[],
    summary: "A service's logs are kept by `json-file` without `max-size` and `max-file`.",
    why: "Docker's default log driver, `json-file`, keeps every line a container writes to \
          stdout and stderr in one file under /var/lib/docker, with no limit: a chatty or \
          crash-looping service fills the host's disk and every container on it fails. Set \
          `logging.options.max-size` and `max-file` (e.g. 10m and 3), use the `local` driver \
          (which rotates by default), or ship logs away with a driver such as `journald`, \
          `fluentd` or `awslogs`. A daemon-wide `log-opts` in /etc/docker/daemon.json also \
          bounds them, but is not part of the project and not seen here; setting rotation in \
          the Compose file keeps it with the service wherever it runs. `seaworthy fix` adds \
          `logging` with json-file, `max-size: \"10m\"` and `max-file: \"3\"`, or the options \
          missing from the `logging` written.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    logging:\n      driver: json-file\n      options:\n        max-size: \"10m\"\n        max-file: \"3\"\n",
};

/// `max-size` set to a limit (not empty or `-1`, which mean none).
fn is_limit(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        !v.is_empty() && v != "-1" && v != "0"
    })
}

/// The rotation options added: `logging` with json-file when there is none, else the options
/// missing from the `logging` written in the service (an option written with a value that is
/// no limit was set on purpose, and is left to the user).
fn add_rotation(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let options = || {
        [("max-size", "10m"), ("max-file", "3")]
            .map(|(k, v)| (k.to_owned(), NewValue::Quoted(v.to_owned())))
    };
    let mut site = ServiceSite::find(cx.project, service, file)?;
    match site.key("logging") {
        Written::Missing => {
            let mut entries = vec![("driver".to_owned(), NewValue::str("json-file"))];
            let options = NewValue::Map(options().into());
            entries.push(("options".to_owned(), options));
            site.add_key("logging", &NewValue::Map(entries))?;
        }
        Written::Here => match site.node(&["logging", "options"]) {
            None => {
                let options = NewValue::Map(options().into());
                site.add_key_under(&["logging"], "options", &options)?;
            }
            Some(written) => {
                let missing: Vec<(String, NewValue)> = options()
                    .into_iter()
                    .filter(|(key, _)| written.get(key).is_none())
                    .collect();
                if missing.is_empty() {
                    return None;
                }
                for (key, value) in missing {
                    site.add_key_under(&["logging", "options"], &key, &value)?;
                }
            }
        },
        Written::Elsewhere => return None,
    }
    Some(Fix::safe(
        "add log rotation (`max-size: \"10m\"`, `max-file: \"3\"`)",
        site.finish()?,
    ))
}

impl ComposeRule for LogRotationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let with_fix = |finding: Finding| match add_rotation(cx, service, finding.file) {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            };
            let Some(logging) = &service.logging else {
                out.push(with_fix(finding_at(
                    &META,
                    service.name_origin,
                    format!(
                        "service `{}` has no `logging`: the default json-file driver keeps its \
                         logs without limit; add `logging.options` `max-size` and `max-file`",
                        service.name
                    ),
                )));
                continue;
            };
            let driver = logging
                .driver
                .as_ref()
                .map(|d| d.value.trim().to_ascii_lowercase());
            // An empty driver is the daemon's default, json-file unless configured.
            if !matches!(driver.as_deref(), None | Some("" | "json-file")) {
                continue;
            }
            let option = |key: &str| logging.options.get(key).map(|v| v.value.as_str());
            let mut missing = Vec::new();
            if !is_limit(option("max-size")) {
                missing.push("`max-size`");
            }
            // With `max-size` alone json-file keeps one file and truncates it: bounded, but
            // the history is lost at each rotation.
            if !is_limit(option("max-file")) {
                missing.push("`max-file`");
            }
            if missing.is_empty() {
                continue;
            }
            let at = logging.driver.as_ref().map_or(logging.origin, |d| d.origin);
            out.push(with_fix(finding_at(
                &META,
                at,
                format!(
                    "service `{}` logs with json-file without {}; add them under \
                     `logging.options` (e.g. max-size: 10m, max-file: \"3\")",
                    service.name,
                    missing.join(" and ")
                ),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&LogRotationMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &LogRotationMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: x:1.0.0\n    logging:\n      driver: json-file\n  c:\n    image: x:1.0.0\n    logging:\n      options:\n        max-size: 10m\n",
            &[2, 7, 11],
        );
        let found = findings_with(
            &LogRotationMissing,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  c:\n    image: x:1.0.0\n    logging:\n      options:\n        max-size: 10m\n",
            )],
        );
        assert!(found[0].2.contains("without `max-file`"), "{found:?}");
        // Interpolated to -1 (no limit).
        let found = findings_with(
            &LogRotationMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    logging:\n      driver: json-file\n      options:\n        max-size: ${LOG_SIZE:-10m}\n        max-file: \"3\"\n",
                ),
                (".env", "LOG_SIZE=-1\n"),
            ],
        );
        assert_eq!(places(&found), [("compose.yaml", 5)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &LogRotationMissing,
            "services:\n  a:\n    image: x:1.0.0\n    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n        max-file: \"3\"\n  b:\n    image: x:1.0.0\n    logging:\n      driver: local\n  c:\n    image: x:1.0.0\n    logging:\n      driver: journald\n  d:\n    image: x:1.0.0\n    logging:\n      driver: none\n  e:\n    image: x:1.0.0\n    logging:\n      driver: fluentd\n      options:\n        fluentd-address: localhost:24224\n",
        );
        // Rotation added by an override file, and through an anchor.
        let found = findings_with(
            &LogRotationMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "x-logging: &logging\n  driver: json-file\n  options:\n    max-size: 10m\n    max-file: \"5\"\nservices:\n  a:\n    image: x:1.0.0\n    logging: *logging\n  b:\n    image: x:1.0.0\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  b:\n    logging:\n      driver: syslog\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn fix_adds_rotation() {
        use crate::FixKind::Safe;
        assert_fix(
            &LogRotationMissing,
            "services:\n  a:\n    image: x:1.0.0 # pinned\n\n  # the cache\n  b:\n    image: y:1.0.0\n    logging:\n      driver: local\n",
            "services:\n  a:\n    image: x:1.0.0 # pinned\n    logging:\n      driver: json-file\n      options:\n        max-size: \"10m\"\n        max-file: \"3\"\n\n  # the cache\n  b:\n    image: y:1.0.0\n    logging:\n      driver: local\n",
            Safe,
        );
        // The driver written is kept; the options block is added to it.
        assert_fix(
            &LogRotationMissing,
            "services:\n    a:\n        logging:\n            driver: json-file\n        image: x:1.0.0\n",
            "services:\n    a:\n        logging:\n            driver: json-file\n            options:\n                max-size: \"10m\"\n                max-file: \"3\"\n        image: x:1.0.0\n",
            Safe,
        );
        // Only the missing option, in single quotes as the file writes them, CRLF, no final
        // newline.
        assert_fix(
            &LogRotationMissing,
            "services:\r\n  a:\r\n    image: 'x:1.0.0'\r\n    logging:\r\n      options:\r\n        max-size: '20m'",
            "services:\r\n  a:\r\n    image: 'x:1.0.0'\r\n    logging:\r\n      options:\r\n        max-size: '20m'\r\n        max-file: '3'",
            Safe,
        );
        // Flow mappings get flow entries.
        assert_fix(
            &LogRotationMissing,
            "services:\n  a:\n    image: x:1.0.0\n    logging: {driver: json-file, options: {max-file: \"5\"}}\n",
            "services:\n  a:\n    image: x:1.0.0\n    logging: {driver: json-file, options: {max-file: \"5\", max-size: \"10m\"}}\n",
            Safe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        assert_no_fix(&LogRotationMissing, "services:\n  a: {image: x:1.0.0}\n");
        // A value that is no limit, written or interpolated, is the user's to change.
        assert_no_fix(
            &LogRotationMissing,
            "services:\n  a:\n    image: x:1.0.0\n    logging:\n      options:\n        max-size: \"-1\"\n        max-file: \"3\"\n",
        );
        assert_no_fix_in(
            &LogRotationMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    logging:\n      driver: json-file\n      options:\n        max-size: ${LOG_SIZE:-10m}\n        max-file: \"3\"\n",
                ),
                (".env", "LOG_SIZE=-1\n"),
            ],
        );
        // `logging` from an override file, or from an anchor.
        assert_no_fix_in(
            &LogRotationMissing,
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    logging:\n      driver: json-file\n",
                ),
            ],
        );
        assert_no_fix(
            &LogRotationMissing,
            "x-logging: &logging\n  driver: json-file\nservices:\n  a:\n    image: x:1.0.0\n    logging: *logging\n",
        );
    }
}
