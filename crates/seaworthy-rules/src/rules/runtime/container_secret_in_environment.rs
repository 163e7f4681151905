use super::{at, ContainerContext, ContainerRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// An environment variable whose name looks like a credential (`DB_PASSWORD`, `API_TOKEN`)
/// holds a value. Empty values, paths and boolean switches pass, as do names that say the
/// value is elsewhere (`*_FILE`, `*_PATH`, `*_URL`). The value is never printed.
pub struct ContainerSecretInEnvironment;

static META: RuleMeta = RuleMeta {
    id: "SW4014",
    name: "container-secret-in-environment",
    severity: Severity::Warning,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "A credential is passed to a container in its environment.",
    why: "A container's environment is readable by anyone who can run `docker inspect` on \
          the host or reach the Engine API, ends up in `docker inspect` dumps, support \
          bundles and crash reports, and is inherited by every child process. Mount the \
          secret as a file instead (`docker secret`, a read-only bind of a file with tight \
          permissions, or Compose `secrets:`), and point the application at it with the \
          `_FILE` convention many images support (`DB_PASSWORD_FILE=/run/secrets/db`). The \
          container's environment includes the image's ENV: when the variable comes \
          from there, fix the Dockerfile (`seaworthy image` reports it in the image too).",
    bad: "docker run -d --name api -e DB_PASSWORD=hunter2 registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api -e DB_PASSWORD_FILE=/run/secrets/db_password \\\n  -v /srv/secrets/db_password:/run/secrets/db_password:ro registry.example/shop/api:1.4.2\n",
};


impl ContainerRule for ContainerSecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        for entry in &cx.container.config.env {
            let Some((name, value)) = entry.split_once('=') else {
                continue;
            };
            if looks_secret(name) && !crate::secret_names::is_placeholder_value(value) {
                out.push(at(
                    &META,
                    format!("Config.Env[{name}]"),
                    format!(
                        "`{name}` holds a credential in the container's environment, where \
                         `docker inspect` shows it: mount it as a file (`{name}_FILE`)"
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
    use seaworthy_runtime::serde_json::json;

    #[test]
    fn fires() {
        assert_fires(
            &ContainerSecretInEnvironment,
            &[(
                "/Config/Env",
                json!([
                    "PATH=/usr/bin",
                    "DB_PASSWORD=hunter2",
                    "LOG_LEVEL=info",
                    "stripeSecretKey=sk_live_x",
                    "GITHUB_TOKEN=ghp_x"
                ]),
            )],
            &[
                "Config.Env[DB_PASSWORD]",
                "Config.Env[stripeSecretKey]",
                "Config.Env[GITHUB_TOKEN]",
            ],
        );
        let found = findings(
            &ContainerSecretInEnvironment,
            &container_with(&[("/Config/Env", json!(["DB_PASSWORD=hunter2"]))]),
        );
        assert!(
            !found[0].message.contains("hunter2"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerSecretInEnvironment,
            &[(
                "/Config/Env",
                json!([
                    "DB_PASSWORD_FILE=/run/secrets/db",
                    "DB_PASSWORD=",
                    "JWT_PUBLIC_KEY=abc",
                    "AUTH_ENABLED=true",
                    "TOKENIZERS_PARALLELISM=false",
                    "SECRET_PATH=/run/x",
                    "container=podman",
                    "NOEQUALS"
                ]),
            )],
        );
    }
}
