use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `Config.User` is empty, `root`, `0`, `0:0`, or a name the image's /etc/passwd maps to UID 0.
pub struct UserRoot;

static META: RuleMeta = RuleMeta {
    id: "SW3001",
    name: "image-user-root",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 1,
    aliases: &[],
    summary: "The image runs as root.",
    why: "A process running as root inside a container is root on the host's kernel: one \
          escape (a kernel bug, a mounted socket, a writable host path) and the attacker owns \
          the machine, and even without an escape it can rewrite every file of the image. The \
          image's `Config.User` is what every container of it runs as unless the caller \
          overrides it: set a numeric non-root `USER uid:gid` in the final stage. Unlike \
          dockle's CIS-DI-0001 and docker-bench's CIS 4.1 (held here by the Dockerfile and \
          Compose rules), `0`, `0:0`, `root:root` and names that /etc/passwd maps to UID 0 are \
          root too.",
    bad: "FROM debian:12.7-slim\nCOPY app /app\nCMD [\"/app/server\"]\n",
    good: "FROM debian:12.7-slim\nCOPY app /app\nUSER 10001:10001\nCMD [\"/app/server\"]\n",
};

impl ImageRule for UserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let user = cx.user();
        if !user.is_root() {
            return;
        }
        let message = if user.raw.is_empty() {
            "the image sets no user, so its containers run as root; set a numeric non-root \
             `USER uid:gid`"
                .to_string()
        } else if user
            .raw
            .split(':')
            .next()
            .is_some_and(|u| u.parse::<u64>().is_ok() || u == "root")
        {
            format!(
                "the image runs as `{}`, which is root; set a numeric non-root `USER uid:gid`",
                user.raw
            )
        } else {
            format!(
                "the image runs as `{}`, which /etc/passwd maps to UID 0 (root); use a user \
                 with its own non-zero UID",
                user.raw
            )
        };
        out.push(Finding::at(&META, "Config.User", message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        for user in [
            None,
            Some(r#""""#),
            Some(r#""root""#),
            Some(r#""0""#),
            Some(r#""0:0""#),
            Some(r#""root:root""#),
        ] {
            let mut w = hardened();
            w.set("User", user);
            let found = assert_fires(&UserRoot, &w, &["Config.User"]);
            assert!(found[0].message.contains("root"), "{user:?}");
        }
        // A name that /etc/passwd maps to UID 0.
        let mut w = with_layer(
            LayerBuilder::new().file(
                "/etc/passwd",
                b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n",
                0o644,
            ),
            "RUN useradd -o -u 0 toor",
        );
        w.set("User", Some(r#""toor""#));
        let found = assert_fires(&UserRoot, &w, &["Config.User"]);
        assert!(found[0].message.contains("UID 0"));
    }

    #[test]
    fn passes() {
        assert_clean(&UserRoot, &hardened());
        for user in [r#""app""#, r#""10001""#, r#""app:app""#, r#""1000:0""#] {
            let mut w = hardened();
            w.set("User", Some(user));
            assert_clean(&UserRoot, &w);
        }
    }
}
