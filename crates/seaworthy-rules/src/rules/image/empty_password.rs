use super::accounts::{parse_passwd, parse_shadow};
use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// An account in /etc/shadow (or /etc/passwd, when its password field is not `x`) has an empty
/// password: anyone may log in or `su` to it without one.
pub struct EmptyPassword;

static META: RuleMeta = RuleMeta {
    id: "SW3002",
    name: "image-empty-password",
    severity: Severity::Error,
    category: Category::Identity,
    practice: 1,
    aliases: &["DKL-LI-0001"],
    summary: "An account of the image has an empty password.",
    why: "An empty password field lets anyone become that user without a password: `su app` \
          from any process in the container, or a login through any service that uses PAM. \
          Lock accounts that need no password (`*` or `!` in /etc/shadow, as `useradd` does \
          by default) instead of clearing the field (`passwd -d`).",
    bad: "FROM debian:12.7-slim\nRUN useradd -u 10001 app && passwd -d app\nUSER 10001\n",
    good: "FROM debian:12.7-slim\nRUN useradd -u 10001 app\nUSER 10001\n",
};

impl ImageRule for EmptyPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let shadow = cx
            .facts
            .content(cx.index, "/etc/shadow")
            .map(|t| parse_shadow(&t))
            .unwrap_or_default();
        for (name, password, line) in &shadow {
            if password.is_empty() {
                out.push(Finding::at(
                    &META,
                    "/etc/shadow",
                    format!(
                        "user `{name}` has an empty password (line {line}): anyone can become \
                         it without one; lock it with `*` or `!`"
                    ),
                ));
            }
        }
        let passwd = cx
            .facts
            .content(cx.index, "/etc/passwd")
            .map(|t| parse_passwd(&t))
            .unwrap_or_default();
        for e in passwd {
            if e.password.is_empty() && !shadow.iter().any(|(n, p, _)| *n == e.name && p.is_empty())
            {
                out.push(Finding::at(
                    &META,
                    "/etc/passwd",
                    format!(
                        "user `{}` has an empty password field (line {}), so no password is \
                         asked; put `x` there and lock the account in /etc/shadow",
                        e.name, e.line
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
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        let w = with_layer(
            LayerBuilder::new().file(
                "/etc/shadow",
                b"root:*:1::::::\napp::19000:0:99999:7:::\n",
                0o640,
            ),
            "RUN passwd -d app",
        );
        let found = assert_fires(&EmptyPassword, &w, &["/etc/shadow"]);
        assert!(found[0].message.contains("`app`") && found[0].message.contains("line 2"));
        let w = with_layer(
            LayerBuilder::new().file("/etc/passwd", b"root::0:0::/root:/bin/sh\n", 0o644),
            "RUN sed -i s/x// /etc/passwd",
        );
        assert_fires(&EmptyPassword, &w, &["/etc/passwd"]);
    }

    #[test]
    fn passes() {
        assert_clean(&EmptyPassword, &hardened());
        // Locked and hashed passwords, and an image without account files.
        let w = with_layer(
            LayerBuilder::new().file(
                "/etc/shadow",
                b"root:!:1::::::\napp:$6$salt$hash:1::::::\n",
                0o640,
            ),
            "RUN true",
        );
        assert_clean(&EmptyPassword, &w);
        let w = with_layer(
            LayerBuilder::new()
                .whiteout("/etc/shadow")
                .whiteout("/etc/passwd"),
            "RUN rm",
        );
        assert_clean(&EmptyPassword, &w);
    }
}
