use super::{visible_files, ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A file of the image has the setuid or setgid bit.
pub struct SetuidFile;

static META: RuleMeta = RuleMeta {
    id: "SW3401",
    name: "image-setuid-file",
    severity: Severity::Info,
    category: Category::Identity,
    practice: 1,
    aliases: &["CIS-DI-0008", "CIS-4.8"],
    summary: "Files of the image are setuid or setgid.",
    why: "A setuid or setgid program runs with its owner's or group's rights whoever starts it: \
          in a container running as a non-root user, every setuid-root binary (`su`, `passwd`, \
          `mount`, `newgrp`) is a way back to root through its next vulnerability. Few \
          containers need them: strip the bits in the image (`RUN find / -xdev -perm /6000 \
          -type f -exec chmod a-s {} +`), and run with `no-new-privileges`, which makes them \
          inert. One finding lists them all (dockle lists one per file), placed at the \
          first.",
    bad: "FROM debian:12.7-slim\nCOPY app /app\nUSER 10001\n",
    good: "FROM debian:12.7-slim\nRUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +\nCOPY app /app\nUSER 10001\n",
};

impl ImageRule for SetuidFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let files: Vec<_> = visible_files(cx.index)
            .filter(|r| r.meta.mode & 0o6000 != 0)
            .collect();
        let Some(first) = files.first() else {
            return;
        };
        let one_layer = files.iter().all(|r| r.layer == first.layer);
        let described: Vec<String> = files
            .iter()
            .take(LISTED)
            .map(|r| {
                let what = match (r.meta.mode & 0o4000 != 0, r.meta.mode & 0o2000 != 0) {
                    (true, true) => {
                        format!("setuid {} and setgid {}", owner(r.meta.uid), r.meta.gid)
                    }
                    (true, false) => format!("setuid {}", owner(r.meta.uid)),
                    _ => format!("setgid {}", r.meta.gid),
                };
                if one_layer {
                    format!("`{}` ({what})", r.path)
                } else {
                    format!("`{}` ({what}, layer {})", r.path, r.layer)
                }
            })
            .collect();
        let mut more = match files.len() {
            n if n > LISTED => format!(" and {} more", n - LISTED),
            _ => String::new(),
        };
        if one_layer {
            more.push_str(&format!(", from {}", cx.layer_name(first.layer)));
        }
        out.push(Finding::at(
            &META,
            &*first.path,
            format!(
                "{} setuid/setgid file{}: {}{more}; whoever runs them gets their owner's \
                 rights: strip the bits the application does not need",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                described.join(", ")
            ),
        ));
    }
}

/// Files named in the message; the rest are counted.
const LISTED: usize = 8;

fn owner(uid: u64) -> String {
    if uid == 0 {
        "root".into()
    } else {
        format!("UID {uid}")
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
                .file("/usr/bin/passwd", b"\x7fELF", 0o4755)
                .file("/usr/bin/chage", b"\x7fELF", 0o2755),
            "RUN apt-get install -y passwd",
        );
        let found = assert_fires(&SetuidFile, &w, &["/usr/bin/chage"]);
        let m = &found[0].message;
        assert!(m.starts_with("2 setuid/setgid files"), "{m}");
        assert!(
            m.contains(
                "`/usr/bin/chage` (setgid 0), `/usr/bin/passwd` (setuid root), from layer 2"
            ),
            "{m}"
        );
        let mut w = w;
        w.layer(
            LayerBuilder::new()
                .file("/usr/bin/su", b"x", 0o4750)
                .finish(),
            "RUN install su",
        );
        let found = assert_fires(&SetuidFile, &w, &["/usr/bin/chage"]);
        assert!(
            found[0]
                .message
                .contains("`/usr/bin/su` (setuid root, layer 3)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(&SetuidFile, &hardened());
        // Stripped in a later layer: the visible file has no bit.
        let w = with_layer(
            LayerBuilder::new().file("/usr/bin/su", b"x", 0o4755),
            "RUN install su",
        );
        let mut w = w;
        w.layer(
            LayerBuilder::new()
                .file("/usr/bin/su", b"x", 0o755)
                .finish(),
            "RUN chmod a-s /usr/bin/su",
        );
        assert_clean(&SetuidFile, &w);
        // A sticky directory is not setuid.
        let w = with_layer(
            LayerBuilder::new().dir("/scratch", 0o1777, 0, 0),
            "RUN mkdir",
        );
        assert_clean(&SetuidFile, &w);
    }
}
