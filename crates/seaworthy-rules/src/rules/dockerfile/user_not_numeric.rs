use super::{windows, DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image's `USER` names its user or group by name (`USER app`, `USER 1001:app`)
/// rather than by number. Root and a missing `USER` are last-user-root's concern.
pub struct UserNotNumeric;

static META: RuleMeta = RuleMeta {
    id: "SW1002",
    name: "user-not-numeric",
    severity: Severity::Info,
    category: Category::Identity,
    practice: 1,
    aliases: &["DL3066"],
    summary: "The final `USER` is a name, not a numeric UID:GID.",
    why: "A user name means something only inside the image's /etc/passwd. Kubernetes' \
          `runAsNonRoot` cannot verify a name and refuses to start the pod (\"image has \
          non-numeric user, cannot verify user is non-root\"); a `securityContext`, a \
          Compose `user:` or a volume's ownership on the host all speak in numbers; and a \
          name that a later layer or base image maps to another UID silently changes who \
          owns what. Create the user with a fixed UID and GID and refer to it by number: \
          `USER 10001:10001`. Only the final stage's user is judged (build stages may run \
          as anyone), after ARG and ENV expansion; root and a missing USER are reported by \
          last-user-root instead. Differs from hadolint: hadolint reports every non-numeric \
          USER in every stage, root included, except values taken from an ARG; seaworthy \
          judges the user the image actually runs as, and also reports a named group \
          (`USER 10001:app`). Differs from hadolint: Windows images (`USER ContainerUser`), \
          whose users have names only, are not judged. Differs from hadolint: hadolint does \
          not expand ENV, so it reports `USER $APP_UID` after `ENV APP_UID=1654`, which is \
          numeric; and a variable the Dockerfile never sets (one the base image's ENV \
          defines, as .NET images define `APP_UID`, or an ARG awaiting `--build-arg`) has no \
          known value here, so it is not judged.",
    bad: "FROM python:3.12.7-slim\nRUN useradd --uid 10001 app\nUSER app\n",
    good: "FROM python:3.12.7-slim\nRUN useradd --uid 10001 app\nUSER 10001:10001\n",
};

impl DockerfileRule for UserNotNumeric {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(stage) = cx.final_stage() else {
            return;
        };
        let Some(user) = &stage.at_end.user else {
            return;
        };
        if user.is_root() || user.value.is_empty() || windows::is_windows(cx.model, stage) {
            return;
        }
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let uid_named = !numeric(user.user());
        let gid_named = user.group().is_some_and(|g| !numeric(g));
        let what = match (uid_named, gid_named) {
            (true, true) => "user and group are names",
            (true, false) => "user is a name",
            (false, true) => "group is a name",
            (false, false) => return,
        };
        out.push(Finding::new(
            &META,
            user.span,
            format!(
                "the final image runs as `{}`: its {what}, which only the image's /etc/passwd \
                 and /etc/group resolve; use numeric IDs (`USER 10001:10001`)",
                user.value
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&UserNotNumeric);
    }

    #[test]
    fn fires() {
        let rule = &UserNotNumeric;
        assert_fires(rule, "FROM alpine:3.20.3\nUSER app\n", &[2]);
        assert_fires(rule, "FROM alpine:3.20.3\nUSER app:app\n", &[2]);
        assert_fires(rule, "FROM alpine:3.20.3\nUSER 10001:app\n", &[2]);
        // After ARG expansion.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nARG APP_USER=app\nUSER ${APP_USER}\n",
            &[3],
        );
        // Inherited from the stage the final stage is built on.
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS base\nUSER nobody\nFROM base\nCOPY app /app\n",
            &[2],
        );
        // ENV expanded too.
        assert_fires(
            rule,
            "FROM alpine:3.20.3\nENV APP_USER=app\nUSER $APP_USER\n",
            &[3],
        );
        // The last USER decides.
        assert_fires(rule, "FROM alpine:3.20.3\nUSER 1000\nUSER node\n", &[3]);
    }

    #[test]
    fn passes() {
        let rule = &UserNotNumeric;
        assert_clean(rule, "FROM alpine:3.20.3\nUSER 10001\n");
        assert_clean(rule, "FROM alpine:3.20.3\nUSER 10001:10001\n");
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nARG UID=10001\nUSER ${UID}:${UID}\n",
        );
        // Build stages may use names.
        assert_clean(
            rule,
            "FROM node:20.18.0 AS build\nUSER node\nRUN npm ci\n\
             FROM gcr.io/distroless/nodejs20-debian12:nonroot\nUSER 65532:65532\n",
        );
        // Root and no USER: last-user-root's concern.
        assert_clean(rule, "FROM alpine:3.20.3\nUSER root\n");
        assert_clean(rule, "FROM alpine:3.20.3\nCOPY app /app\n");
        // Windows users have names only.
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n",
        );
        assert_clean(
            rule,
            "FROM --platform=windows/amd64 example/app:1.0.0\nUSER ContainerAdministrator\n",
        );
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0.10-windowsservercore-ltsc2022\n\
             USER ContainerUser\n",
        );
        // Awaiting --build-arg.
        assert_clean(rule, "FROM alpine:3.20.3\nARG UID\nUSER $UID\n");
        // ENV gives the number; or the base image's ENV does, unknown here (.NET images).
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nENV APP_UID=1654\nUSER $APP_UID\n",
        );
        assert_clean(
            rule,
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0.10-alpine\nUSER $APP_UID\n",
        );
    }
}
