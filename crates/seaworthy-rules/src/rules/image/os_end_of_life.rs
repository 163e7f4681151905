use super::eol::{end_of_support, OsRelease};
use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The operating system of the image (from /etc/os-release) is past its end of security
/// support, or reaches it within 90 days.
pub struct OsEndOfLife;

static META: RuleMeta = RuleMeta {
    id: "SW3200",
    name: "image-os-end-of-life",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 21,
    aliases: &[],
    summary: "The image's operating system no longer gets security updates.",
    why: "Once a distribution release is past its end of life, nobody publishes fixes for its \
          packages: every vulnerability found from then on stays in the image for good, and \
          scanners report more each month. The release is read from /etc/os-release and \
          compared with the published end of security support of Debian (LTS included), \
          Ubuntu (standard support), Alpine, RHEL and its rebuilds, CentOS Stream and Amazon \
          Linux; a release that ends within 90 days is reported as info. Rebuild on a \
          supported release of the base image.",
    bad: "FROM debian:10.13-slim\nCOPY app /app\n",
    good: "FROM debian:13.1-slim\nCOPY app /app\n",
};

impl ImageRule for OsEndOfLife {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let Some((place, text)) = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|p| cx.facts.content(cx.index, p).map(|t| (*p, t)))
        else {
            return;
        };
        let os = OsRelease::parse(&text);
        let Some(end) = end_of_support(&os) else {
            return;
        };
        let today = cx.options.today;
        if end <= today {
            out.push(Finding::at(
                &META,
                place,
                format!(
                    "{} reached the end of its security support on {end}: its packages get \
                     no more fixes; rebuild on a supported release",
                    os.display()
                ),
            ));
        } else if (end - today).num_days() <= 90 {
            let mut f = Finding::at(
                &META,
                place,
                format!(
                    "{} reaches the end of its security support on {end}; plan the move to a \
                     newer release",
                    os.display()
                ),
            );
            f.severity = Severity::Info;
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    fn os(text: &str) -> seaworthy_image::write::ImageWriter {
        with_layer(
            LayerBuilder::new().file("/usr/lib/os-release", text.as_bytes(), 0o644),
            "RUN upgrade",
        )
    }

    #[test]
    fn fires() {
        // Through the /etc/os-release symlink of the base layer.
        let found = assert_fires(
            &OsEndOfLife,
            &os("PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nID=debian\nVERSION_ID=\"10\"\n"),
            &["/etc/os-release"],
        );
        assert!(found[0].message.contains(
            "Debian GNU/Linux 10 (buster) reached the end of its security support on 2024-06-30"
        ));
        assert_eq!(found[0].severity, Severity::Warning);
        // Alpine 3.21 ends 2026-11-01; the test day is 2026-01-01: not yet, not within 90 days.
        assert_clean(&OsEndOfLife, &os("ID=alpine\nVERSION_ID=3.21.2\n"));
        // Ubuntu 25.04 ends 2026-01-15: within 90 days, info.
        let found = assert_fires(
            &OsEndOfLife,
            &os("ID=ubuntu\nVERSION_ID=\"25.04\"\n"),
            &["/etc/os-release"],
        );
        assert_eq!(found[0].severity, Severity::Info);
        // Only /etc/os-release, a regular file.
        let w = with_layer(
            LayerBuilder::new().file("/etc/os-release", b"ID=alpine\nVERSION_ID=3.14.0\n", 0o644),
            "RUN x",
        );
        assert_fires(&OsEndOfLife, &w, &["/etc/os-release"]);
    }

    #[test]
    fn passes() {
        assert_clean(&OsEndOfLife, &hardened());
        assert_clean(&OsEndOfLife, &os("ID=arch\n"));
        let w = with_layer(
            LayerBuilder::new()
                .whiteout("/usr/lib/os-release")
                .whiteout("/etc/os-release"),
            "RUN rm",
        );
        assert_clean(&OsEndOfLife, &w);
    }
}
