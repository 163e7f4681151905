use seaworthy_image::FileKind;

use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A declared `VOLUME`, or the working directory, is not writable by the user the image runs
/// as: the application fails on its first write (`EACCES`), typically only in production.
pub struct VolumeNotWritable;

static META: RuleMeta = RuleMeta {
    id: "SW3120",
    name: "image-volume-not-writable",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 5,
    aliases: &[],
    summary: "A VOLUME (or the WORKDIR) is not writable by the image's user.",
    why: "A volume is where the application writes; Docker initialises a new named volume with \
          the owner and mode of the image's directory, and creates a directory the image lacks \
          as root. If the image's non-root user cannot write there, the first write fails \
          with `permission denied`, often only once the volume is used for real. Create the \
          directory in the image and give it to the runtime user (`RUN mkdir -p /data && \
          chown 10001:10001 /data`, or `COPY --chown`). The working directory is checked too \
          and reported as info: an application that never writes there is better off with it \
          read-only.",
    bad: "FROM debian:12.7-slim\nRUN mkdir /data\nUSER 10001:10001\nVOLUME /data\n",
    good: "FROM debian:12.7-slim\nRUN mkdir /data && chown 10001:10001 /data\nUSER 10001:10001\nVOLUME /data\n",
};

impl ImageRule for VolumeNotWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let user = cx.user();
        if user.is_root() || user.uid.is_none() {
            return;
        }
        let c = &cx.config.config;
        let mut dirs: Vec<(&str, &str, bool)> = c
            .volumes
            .keys()
            // Volumes on the kernel's directories are image-sensitive-volume's.
            .filter(|v| {
                let v = super::join("/", v);
                !["/proc", "/sys", "/dev"]
                    .iter()
                    .any(|d| v == *d || v.starts_with(&format!("{d}/")))
            })
            .map(|v| ("Config.Volumes", v.as_str(), true))
            .collect();
        if let Some(wd) = c.working_dir.as_deref().filter(|w| !w.is_empty()) {
            dirs.push(("Config.WorkingDir", wd, false));
        }
        for (place, dir, is_volume) in dirs {
            let what = if is_volume {
                format!("volume `{dir}`")
            } else {
                format!("working directory `{dir}`")
            };
            let problem = match cx.resolve(dir) {
                None if is_volume => format!(
                    "the {what} does not exist in the image, so Docker creates it owned by \
                     root"
                ),
                None => continue,
                Some(r) if r.meta.kind != FileKind::Dir => continue,
                Some(r) if user.can_write(r.meta.mode, r.meta.uid, r.meta.gid) => continue,
                Some(r) => format!(
                    "the {what} is owned by {}:{} with mode {:o}",
                    r.meta.uid, r.meta.gid, r.meta.mode
                ),
            };
            // A volume's place names it, so that `check --image` can find its VOLUME line.
            let place = if is_volume {
                format!("{place}[{dir}]")
            } else {
                place.to_owned()
            };
            let mut f = Finding::at(
                &META,
                place,
                format!(
                    "{problem}: user `{}` cannot write to it; `chown` it to the runtime user in \
                     the image",
                    user.raw
                ),
            );
            if !is_volume {
                f.severity = Severity::Info;
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        let w = with_layer(
            LayerBuilder::new().dir("/data", 0o755, 0, 0),
            "RUN mkdir /data",
        );
        let found = assert_fires(&VolumeNotWritable, &w, &["Config.Volumes[/data]"]);
        assert!(
            found[0].message.contains("owned by 0:0 with mode 755"),
            "{}",
            found[0].message
        );
        let mut w = hardened();
        w.set("Volumes", Some(r#"{"/data": {}, "/cache": {}}"#));
        let found = assert_fires(&VolumeNotWritable, &w, &["Config.Volumes[/cache]"]);
        assert!(found[0].message.contains("does not exist"));
        let w = with_layer(
            LayerBuilder::new().dir("/app", 0o755, 0, 0),
            "RUN chown root /app",
        );
        let found = assert_fires(&VolumeNotWritable, &w, &["Config.WorkingDir"]);
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn passes() {
        assert_clean(&VolumeNotWritable, &hardened());
        // Group-writable for the user's group, named user, and root.
        let w = with_layer(
            LayerBuilder::new().dir("/data", 0o770, 0, 10001),
            "RUN chgrp",
        );
        assert_clean(&VolumeNotWritable, &w);
        let mut w = hardened();
        w.set("User", Some(r#""app""#));
        assert_clean(&VolumeNotWritable, &w);
        let mut w = with_layer(
            LayerBuilder::new().dir("/data", 0o755, 0, 0),
            "RUN mkdir /data",
        );
        w.set("User", Some(r#""0""#));
        assert_clean(&VolumeNotWritable, &w);
    }
}
