use seaworthy_image::FileKind;

use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A file or directory of the image is writable by everyone (mode `o+w`), other than sticky
/// directories such as /tmp.
pub struct WorldWritable;

static META: RuleMeta = RuleMeta {
    id: "SW3402",
    name: "image-world-writable",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 5,
    aliases: &[],
    summary: "A file or directory of the image is world-writable.",
    why: "A world-writable file can be changed by any user of the container: a compromised \
          low-privilege process rewrites the application's code or configuration, and a \
          world-writable directory (without the sticky bit of /tmp) lets it replace anything \
          inside. `chmod 777` is usually a fix for a permission error that the right owner \
          fixes properly: `chown` the path to the runtime user and keep the mode at 755/644 \
          (or 770 for a shared group). One finding per world-writable tree: the files below a \
          reported directory are counted in its message.",
    bad: "FROM debian:12.7-slim\nCOPY app /app\nRUN chmod -R 777 /app\nUSER 10001\n",
    good: "FROM debian:12.7-slim\nCOPY --chown=10001:10001 app /app\nUSER 10001\n",
};

impl ImageRule for WorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        // (finding, reported directory, files below it)
        let mut current: Option<(Finding, String, usize)> = None;
        let flush = |c: Option<(Finding, String, usize)>, out: &mut Vec<Finding>| {
            if let Some((mut f, _, below)) = c {
                if below > 0 {
                    f.message.push_str(&format!(
                        " ({below} world-writable entr{} below it)",
                        if below == 1 { "y" } else { "ies" }
                    ));
                }
                out.push(f);
            }
        };
        for r in cx.index.visible() {
            let kind = r.meta.kind;
            if !matches!(kind, FileKind::File | FileKind::Dir) || r.meta.mode & 0o002 == 0 {
                continue;
            }
            if kind == FileKind::Dir && r.meta.mode & 0o1000 != 0 {
                continue;
            }
            if ["/proc/", "/sys/", "/dev/"]
                .iter()
                .any(|p| r.path.starts_with(p))
            {
                continue;
            }
            if let Some((_, dir, below)) = &mut current {
                if r.path.starts_with(&format!("{dir}/")) {
                    *below += 1;
                    continue;
                }
            }
            flush(current.take(), out);
            let what = if kind == FileKind::Dir {
                "directory"
            } else {
                "file"
            };
            let f = Finding::at(
                &META,
                &*r.path,
                format!(
                    "{what} `{}` is writable by every user (mode {:o}, {}); give it to the \
                     runtime user instead",
                    r.path,
                    r.meta.mode,
                    cx.provenance(r)
                ),
            );
            current = Some((f, r.path.to_string(), 0));
        }
        flush(current, out);
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
            LayerBuilder::new()
                .dir("/app", 0o777, 0, 0)
                .file("/app/server", b"\x7fELF server", 0o777)
                .file("/app/config.toml", b"x", 0o666)
                .file("/etc/app.conf", b"x", 0o646),
            "RUN chmod -R 777 /app",
        );
        let found = assert_fires(&WorldWritable, &w, &["/app", "/etc/app.conf"]);
        assert!(
            found[0].message.contains("mode 777")
                && found[0]
                    .message
                    .contains("2 world-writable entries below it"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(&WorldWritable, &hardened());
        let w = with_layer(
            LayerBuilder::new()
                .dir("/var/tmp", 0o1777, 0, 0)
                .symlink("/app/link", "/etc/passwd"),
            "RUN mkdir -m 1777 /var/tmp",
        );
        assert_clean(&WorldWritable, &w);
    }
}
