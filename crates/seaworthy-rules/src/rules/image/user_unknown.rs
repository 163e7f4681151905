use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `Config.User` names a user (or group) that the image's /etc/passwd (or /etc/group) does not
/// have: every container of the image fails to start.
pub struct UserUnknown;

static META: RuleMeta = RuleMeta {
    id: "SW3004",
    name: "image-user-unknown",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[],
    summary: "The image's user or group name is not in its /etc/passwd or /etc/group.",
    why: "The runtime resolves a user or group name through the image's own /etc/passwd and \
          /etc/group when the container starts; a name that is not there stops every start \
          with `unable to find user app: no matching entries in passwd file`. This happens \
          when the user was created in a build stage that does not ship, or when the final \
          stage is `FROM scratch` or distroless. Create the user in the final stage, or use \
          numeric ids (`USER 10001:10001`), which need no entry.",
    bad: "FROM debian:12.7-slim AS build\nRUN useradd -u 10001 app\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nUSER app\n",
    good: "FROM gcr.io/distroless/static-debian12\nCOPY app /app\nUSER 10001:10001\n",
};

impl ImageRule for UserUnknown {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let raw = cx.config.config.user.as_deref().unwrap_or("").trim();
        if raw.is_empty() {
            return;
        }
        let accounts = cx.facts.accounts(cx.index);
        let (user, group) = match raw.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (raw, None),
        };
        let named = |s: &str| !s.is_empty() && s.parse::<u64>().is_err();
        if named(user) && !accounts.passwd.iter().any(|e| e.name == user) {
            out.push(Finding::at(
                &META,
                "Config.User",
                format!(
                    "user `{user}` is not in the image's /etc/passwd: containers fail to start \
                     (`unable to find user {user}`); create it in the final stage or use a \
                     numeric UID"
                ),
            ));
        }
        if let Some(group) = group.filter(|g| named(g)) {
            if !accounts.groups.iter().any(|g| g.name == group) {
                out.push(Finding::at(
                    &META,
                    "Config.User",
                    format!(
                        "group `{group}` is not in the image's /etc/group: containers fail to \
                         start; create it in the final stage or use a numeric GID"
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
        let mut w = hardened();
        w.set("User", Some(r#""web""#));
        let found = assert_fires(&UserUnknown, &w, &["Config.User"]);
        assert!(found[0].message.contains("`web`"));
        let mut w = hardened();
        w.set("User", Some(r#""app:staff""#));
        let found = assert_fires(&UserUnknown, &w, &["Config.User"]);
        assert!(found[0].message.contains("group `staff`"));
        // No account files at all (a scratch image).
        let mut w = with_layer(
            LayerBuilder::new().whiteout("/etc/passwd"),
            "RUN rm /etc/passwd",
        );
        w.set("User", Some(r#""app""#));
        assert_fires(&UserUnknown, &w, &["Config.User"]);
    }

    #[test]
    fn passes() {
        assert_clean(&UserUnknown, &hardened());
        for user in [
            r#""app""#,
            r#""app:app""#,
            r#""4242:4242""#,
            r#""root""#,
            r#""""#,
        ] {
            let mut w = hardened();
            w.set("User", Some(user));
            assert_clean(&UserUnknown, &w);
        }
    }
}
