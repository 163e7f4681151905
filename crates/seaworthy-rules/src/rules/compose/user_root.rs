
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The service runs as root: `user: root` / `0`, or no `user:` and an image built here whose
/// final stage never switches to another user.
pub struct UserRoot;

static META: RuleMeta = RuleMeta {
    id: "SW2000",
    name: "compose-user-root",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 1,
    aliases: &["CIS-4.1"],
    summary: "A service runs as root.",
    why: "A process running as root in the container is root on the host's kernel: one \
          escape or one writable host mount away from the host. Reported: `user:` naming \
          root (`root`, `0`, `0:0`, `root:root`, `0:1000`: the user part decides); and, when \
          `user:` is absent and the service has a `build:` whose Dockerfile seaworthy can \
          read (`dockerfile:` under a local context, or `dockerfile_inline:`), a target \
          stage (`build.target`, else the last) that never sets USER or sets a root USER, \
          with `build.args` applied. When `user:` is absent and the image is pulled, or the \
          Dockerfile cannot be read, the image's own USER decides: that is reported at info \
          severity, since many official images run as root unless told otherwise. A user \
          name other than `root` is taken as non-root (the image's /etc/passwd is not read).",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    user: root\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    user: \"10001:10001\"\n",
};

/// `root` or uid 0 in the user part of `user[:group]`.
fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0'))
}

impl ComposeRule for UserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            if let Some(user) = &service.user {
                if is_root(&user.value) {
                    out.push(finding_at(
                        &META,
                        user.origin,
                        format!(
                            "service `{}` runs as root (`user: {}`): use a non-root numeric \
                             UID such as `10001:10001`",
                            service.name, user.value
                        ),
                    ));
                }
                continue;
            }
            match cx.built(service).map(|b| b.user.clone()) {
                Some(Some(user)) if !is_root(&user) => {}
                Some(user) => {
                    let origin = service
                        .build
                        .as_ref()
                        .map_or(service.raw.origin, |b| b.origin);
                    let how = match user {
                        Some(user) => format!("its Dockerfile's target stage sets `USER {user}`"),
                        None => "its Dockerfile's target stage never sets USER".to_string(),
                    };
                    out.push(finding_at(
                        &META,
                        origin,
                        format!(
                            "service `{}` runs as root: no `user:` and {how}; add \
                             `user: \"10001:10001\"` or a non-root USER",
                            service.name
                        ),
                    ));
                }
                None => {
                    let mut finding = finding_at(
                        &META,
                        service.name_origin,
                        format!(
                            "service `{}` has no `user:`, so the image's USER decides, root \
                             for many images; set `user:` to a non-root UID",
                            service.name
                        ),
                    );
                    finding.severity = Severity::Info;
                    out.push(finding);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&UserRoot);
    }

    fn run(files: &[(&str, &str)]) -> Vec<(String, usize, String)> {
        findings_with(&UserRoot, &crate::Settings::default(), files)
    }

    #[test]
    fn fires() {
        for user in ["root", "\"0\"", "\"0:0\"", "root:root", "\"0:1000\""] {
            assert_fires(
                &UserRoot,
                &format!("services:\n  a:\n    image: x:1.0.0\n    user: {user}\n"),
                &[4],
            );
        }
        // Image only: info at the service.
        let found = run(&[("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n")]);
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("image's USER decides"), "{found:?}");
        // Built from a Dockerfile with no USER.
        let found = run(&[
            ("compose.yaml", "services:\n  a:\n    build: .\n"),
            ("Dockerfile", "FROM alpine:3.20\nCMD [\"true\"]\n"),
        ]);
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("never sets USER"), "{found:?}");
        // The target stage is root even though the last stage is not.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  a:\n    build:\n      context: ./app\n      \
                 dockerfile: build/Dockerfile\n      target: dev\n",
            ),
            (
                "app/build/Dockerfile",
                "FROM alpine:3.20 AS dev\nUSER root\nFROM alpine:3.20\nUSER 10001\n",
            ),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, 4);
        assert!(found[0].2.contains("USER root"), "{found:?}");
        // Interpolated user from `.env`, set in an override file.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: x:1.0.0\n    user: \"10001\"\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  a:\n    user: ${RUN_AS}\n",
            ),
            (".env", "RUN_AS=0:0\n"),
        ]);
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
    }

    #[test]
    fn passes() {
        for user in ["\"10001:10001\"", "app", "nobody:nogroup", "\"1000\""] {
            assert_clean(
                &UserRoot,
                &format!("services:\n  a:\n    image: x:1.0.0\n    user: {user}\n"),
            );
        }
        // Built from a Dockerfile whose final stage switches user.
        let found = run(&[
            ("compose.yaml", "services:\n  a:\n    build: .\n"),
            ("Dockerfile", "FROM alpine:3.20\nUSER 10001:10001\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // USER from a build argument.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  a:\n    build:\n      context: .\n      args:\n        UID: \"1000\"\n",
            ),
            ("Dockerfile", "FROM alpine:3.20\nARG UID=0\nUSER ${UID}\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // Inline Dockerfile.
        let found = run(&[(
            "compose.yaml",
            "services:\n  a:\n    build:\n      context: .\n      \
             dockerfile_inline: |\n        FROM alpine:3.20\n        USER app\n",
        )]);
        assert!(found.is_empty(), "{found:?}");
    }
}
