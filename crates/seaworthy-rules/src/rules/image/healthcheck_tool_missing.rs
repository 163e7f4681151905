use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The healthcheck runs a program the image does not have (`curl` in a slim image, a shell in
/// a distroless one): it fails every time and the container is marked unhealthy forever.
pub struct HealthcheckToolMissing;

static META: RuleMeta = RuleMeta {
    id: "SW3101",
    name: "image-healthcheck-tool-missing",
    severity: Severity::Error,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "The healthcheck runs a command the image does not contain.",
    why: "A healthcheck whose program is missing (`curl` or `wget` in a slim or distroless \
          image, `/bin/sh` for `CMD-SHELL` in an image without a shell) fails on every run: the \
          container turns `unhealthy`, orchestrators restart or never route to it, and the \
          cause is hidden in `docker inspect`. The command is looked up in the image the way \
          the runtime does: an absolute path as it is, a bare name along the image's `PATH`, \
          following symbolic links. Install the tool, or give the application a health \
          subcommand.",
    bad: "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY server /server\nHEALTHCHECK CMD curl -f http://localhost:8080/health\n",
    good: "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY server /server\nHEALTHCHECK CMD [\"/server\", \"--health\"]\n",
};

/// Shell words that are not programs.
const BUILTINS: &[&str] = &[
    "[", "test", "exit", "true", "false", "echo", "printf", "cd", "kill", "read", ":", "command",
    "type", "set", "!", "if", "while", "until", "for", "case", "{", "(", "[[",
];

impl ImageRule for HealthcheckToolMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let Some(h) = &cx.config.config.healthcheck else {
            return;
        };
        let mut wanted: Vec<String> = Vec::new();
        match h.test.first().map(String::as_str) {
            Some("CMD") => wanted.extend(h.test.get(1).cloned()),
            Some("CMD-SHELL") => {
                let shell = cx
                    .config
                    .config
                    .shell
                    .as_ref()
                    .and_then(|s| s.first().cloned())
                    .unwrap_or_else(|| "/bin/sh".into());
                wanted.push(shell);
                wanted.extend(h.test.get(1).and_then(|s| first_program(s)));
            }
            _ => return,
        }
        for program in wanted {
            if cx.find_command(&program).is_none() {
                let how = if program.contains('/') {
                    "no such executable file".to_string()
                } else {
                    format!("not found along PATH ({})", cx.path_dirs().join(":"))
                };
                out.push(Finding::at(
                    &META,
                    "Config.Healthcheck.Test",
                    format!(
                        "the healthcheck runs `{program}`, which the image does not contain \
                         ({how}): every check fails and the container turns unhealthy"
                    ),
                ));
            }
        }
    }
}

/// The program a `CMD-SHELL` command runs first, when it is a plain word: `curl` of
/// `curl -f http://x || exit 1`, `wget` of `exec wget -q …`, nothing for `$CHECK`.
fn first_program(script: &str) -> Option<String> {
    let mut words = script.split_whitespace();
    let mut word = words.next()?;
    while word.contains('=') && !word.starts_with('=') || word == "exec" {
        word = words.next()?;
    }
    let plain = word
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b));
    (plain && !BUILTINS.contains(&word)).then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    fn health(test: &str) -> seaworthy_image::write::ImageWriter {
        let mut w = hardened();
        w.set("Healthcheck", Some(&format!(r#"{{"Test": {test}}}"#)));
        w
    }

    #[test]
    fn fires() {
        let found = assert_fires(
            &HealthcheckToolMissing,
            &health(r#"["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]"#),
            &["Config.Healthcheck.Test"],
        );
        assert!(found[0].message.contains("`curl`"));
        assert_fires(
            &HealthcheckToolMissing,
            &health(r#"["CMD", "/app/missing"]"#),
            &["Config.Healthcheck.Test"],
        );
        assert_fires(
            &HealthcheckToolMissing,
            &health(r#"["CMD", "wget", "-q", "x"]"#),
            &["Config.Healthcheck.Test"],
        );
        // No shell for CMD-SHELL: a distroless-like image.
        let mut w = with_layer(LayerBuilder::new().whiteout("/bin/sh"), "RUN rm /bin/sh");
        w.set(
            "Healthcheck",
            Some(r#"{"Test": ["CMD-SHELL", "/app/server --health"]}"#),
        );
        let found = assert_fires(&HealthcheckToolMissing, &w, &["Config.Healthcheck.Test"]);
        assert!(found[0].message.contains("/bin/sh"));
        // Present but not executable.
        let mut w = with_layer(
            LayerBuilder::new().file("/usr/bin/curl", b"x", 0o644),
            "COPY curl",
        );
        w.set(
            "Healthcheck",
            Some(r#"{"Test": ["CMD", "curl", "-f", "x"]}"#),
        );
        assert_fires(&HealthcheckToolMissing, &w, &["Config.Healthcheck.Test"]);
    }

    #[test]
    fn passes() {
        assert_clean(&HealthcheckToolMissing, &hardened());
        assert_clean(
            &HealthcheckToolMissing,
            &health(r#"["CMD-SHELL", "/app/server --health || exit 1"]"#),
        );
        assert_clean(
            &HealthcheckToolMissing,
            &health(r#"["CMD-SHELL", "test -f /tmp/ok"]"#),
        );
        assert_clean(
            &HealthcheckToolMissing,
            &health(r#"["CMD-SHELL", "$CHECK"]"#),
        );
        let mut w = health(r#"["CMD", "server", "--health"]"#);
        w.set("Env", Some(r#"["PATH=/app:/bin"]"#));
        assert_clean(&HealthcheckToolMissing, &w);
        // Through a usrmerge symlink: /usr/bin/curl reached as /bin/curl.
        let mut w = with_layer(
            LayerBuilder::new()
                .file("/usr/bin/curl", b"x", 0o755)
                .symlink("/usr/local/bin/curl", "../../bin/curl"),
            "RUN apt-get install curl",
        );
        w.set(
            "Healthcheck",
            Some(r#"{"Test": ["CMD", "/usr/local/bin/curl", "-f", "x"]}"#),
        );
        assert_clean(&HealthcheckToolMissing, &w);
    }

    #[test]
    fn programs_of_shell_commands() {
        assert_eq!(
            first_program("curl -f x || exit 1").as_deref(),
            Some("curl")
        );
        assert_eq!(first_program("A=1 exec wget -q x").as_deref(), Some("wget"));
        assert_eq!(first_program("[ -f /ok ]"), None);
        assert_eq!(first_program("\"$BIN\" check"), None);
    }
}
