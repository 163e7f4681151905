use super::secrets::{is_literal, scan};
use super::{ImageContext, ImageRule};
use crate::secret_names::looks_secret;
use crate::{Category, Finding, RuleMeta, Severity};

/// `Config.Env` holds a secret: a variable whose name says so with a literal value, or a value
/// that is a known token (`ghp_…`, `AKIA…`), whatever its name.
pub struct SecretInEnv;

static META: RuleMeta = RuleMeta {
    id: "SW3300",
    name: "image-secret-in-env",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "The image's environment holds a secret.",
    why: "`Config.Env` ships with the image: anyone who can pull it reads the value with \
          `docker inspect`, every container of it exposes the value to every process and to \
          `docker inspect` on the host, and registries and caches keep it forever. Names are \
          judged as the Dockerfile rule secret-in-arg-or-env judges ARG and ENV \
          (`DB_PASSWORD` is a secret, `PASSWORD_FILE` is not); values are checked for the \
          tokens of the common providers whatever their name. Pass secrets at run time \
          (Compose or Swarm secrets, a mounted file, the orchestrator's secret store). The \
          value is never printed.",
    bad: "FROM debian:12.7-slim\nENV DB_PASSWORD=hunter2\n",
    good: "FROM debian:12.7-slim\nENV DB_PASSWORD_FILE=/run/secrets/db_password\n",
};

impl ImageRule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        for (name, value) in cx.config.config.env_pairs() {
            if let Some(m) = scan(value.as_bytes()).into_iter().next() {
                out.push(Finding::at(
                    &META,
                    "Config.Env",
                    format!(
                        "`{name}` holds {} (`{}`): anyone who pulls the image can read it; \
                         pass it at run time",
                        m.kind, m.masked
                    ),
                ));
            } else if looks_secret(name) && is_literal(value) {
                out.push(Finding::at(
                    &META,
                    "Config.Env",
                    format!(
                        "`{name}=****` is a secret in the image's environment: anyone who \
                         pulls the image can read it; pass it at run time"
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

    fn env(list: &str) -> seaworthy_image::write::ImageWriter {
        let mut w = hardened();
        w.set("Env", Some(list));
        w
    }

    #[test]
    fn fires() {
        let found = assert_fires(
            &SecretInEnv,
            &env(r#"["PATH=/bin", "DB_PASSWORD=hunter2"]"#),
            &["Config.Env"],
        );
        assert!(
            found[0].message.contains("DB_PASSWORD=****") && !found[0].message.contains("hunter2")
        );
        let token = format!("ghp_{}", "x1".repeat(18));
        let found = assert_fires(
            &SecretInEnv,
            &env(&format!(r#"["CI_VALUE={token}"]"#)),
            &["Config.Env"],
        );
        assert!(found[0].message.contains("a GitHub token") && !found[0].message.contains(&token));
    }

    #[test]
    fn passes() {
        assert_clean(&SecretInEnv, &hardened());
        assert_clean(
            &SecretInEnv,
            &env(
                r#"["DB_PASSWORD_FILE=/run/secrets/db", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "API_TOKEN=", "SECRET=${SECRET}"]"#,
            ),
        );
    }
}
