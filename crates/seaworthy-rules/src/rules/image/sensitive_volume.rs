use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `VOLUME` is declared on /proc, /sys or /dev (or below them).
pub struct SensitiveVolume;

static META: RuleMeta = RuleMeta {
    id: "SW3104",
    name: "image-sensitive-volume",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 17,
    aliases: &["DKL-DI-0002"],
    summary: "The image declares a VOLUME on /proc, /sys or /dev.",
    why: "These directories are the kernel's interfaces, mounted by the runtime: a volume over \
          them hides what the runtime mounted, and a caller who binds the host's directory \
          there (`-v /proc:/proc`, or an orchestrator honouring the declared volume) hands the \
          container the host's processes, kernel parameters or devices. No image needs to \
          declare them; remove the VOLUME.",
    bad: "FROM debian:12.7-slim\nVOLUME /sys\n",
    good: "FROM debian:12.7-slim\nVOLUME /data\n",
};

impl ImageRule for SensitiveVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        for volume in cx.config.config.volumes.keys() {
            let path = super::join("/", volume);
            let hit = ["/proc", "/sys", "/dev"]
                .iter()
                .find(|d| path == **d || path.starts_with(&format!("{d}/")));
            if let Some(dir) = hit {
                out.push(Finding::at(
                    &META,
                    "Config.Volumes",
                    format!(
                        "the image declares a volume on `{volume}`, inside {dir}, which the \
                         runtime mounts for the kernel; remove it"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn fires() {
        for v in ["/proc", "/sys/", "/dev/shm"] {
            let mut w = hardened();
            w.set(
                "Volumes",
                Some(&format!(r#"{{"/data": {{}}, "{v}": {{}}}}"#)),
            );
            assert_fires(&SensitiveVolume, &w, &["Config.Volumes"]);
        }
    }

    #[test]
    fn passes() {
        assert_clean(&SensitiveVolume, &hardened());
        let mut w = hardened();
        w.set("Volumes", Some(r#"{"/device": {}, "/data/proc": {}}"#));
        assert_clean(&SensitiveVolume, &w);
    }
}
