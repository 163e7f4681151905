use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `Config.Entrypoint` or `Config.Cmd` is shell form (`/bin/sh -c "…"`): the shell is PID 1 and
/// the application never sees SIGTERM.
pub struct ShellFormEntrypoint;

static META: RuleMeta = RuleMeta {
    id: "SW3102",
    name: "image-shell-form-entrypoint",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 15,
    aliases: &[],
    summary: "The image starts its process through a shell (shell-form ENTRYPOINT or CMD).",
    why: "A shell-form `ENTRYPOINT` or `CMD` is stored as `/bin/sh -c \"…\"`: the shell becomes \
          PID 1, and `/bin/sh` does not forward SIGTERM to its child. `docker stop` then waits \
          its 10 seconds and kills the application with SIGKILL: no graceful shutdown, lost \
          in-flight requests, unflushed buffers. Use the exec form (`CMD [\"/app/server\"]`), \
          or start the script with `exec` so that the application replaces the shell (a \
          command that does is not reported).",
    bad: "FROM debian:12.7-slim\nCOPY app /app\nCMD /app/server --port 8080\n",
    good: "FROM debian:12.7-slim\nCOPY app /app\nCMD [\"/app/server\", \"--port\", \"8080\"]\n",
};

impl ImageRule for ShellFormEntrypoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let c = &cx.config.config;
        let default_shell = vec!["/bin/sh".to_string(), "-c".to_string()];
        let shell = c.shell.as_ref().unwrap_or(&default_shell);
        for (place, argv) in [("Config.Entrypoint", &c.entrypoint), ("Config.Cmd", &c.cmd)] {
            let Some(argv) = argv else { continue };
            let is_shell = argv.len() == shell.len() + 1
                && (argv[..shell.len()] == shell[..] || argv[..2] == default_shell[..]);
            if !is_shell {
                continue;
            }
            let script = argv[shell.len()].trim_start();
            if script.starts_with("exec ") {
                continue;
            }
            out.push(Finding::at(
                &META,
                place,
                format!(
                    "`{}` runs through `{}`: the shell is PID 1 and does not pass SIGTERM on; \
                     use the exec form (a JSON array) or start the command with `exec`",
                    place.trim_start_matches("Config."),
                    shell.join(" ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn fires() {
        let mut w = hardened();
        w.set(
            "Cmd",
            Some(r#"["/bin/sh", "-c", "/app/server --port 8080"]"#),
        );
        assert_fires(&ShellFormEntrypoint, &w, &["Config.Cmd"]);
        let mut w = hardened();
        w.set("Entrypoint", Some(r#"["/bin/sh", "-c", "/app/server"]"#))
            .set("Cmd", None);
        assert_fires(&ShellFormEntrypoint, &w, &["Config.Entrypoint"]);
        // A SHELL instruction changed the shell.
        let mut w = hardened();
        w.set("Shell", Some(r#"["/bin/bash", "-o", "pipefail", "-c"]"#))
            .set(
                "Cmd",
                Some(r#"["/bin/bash", "-o", "pipefail", "-c", "/app/server"]"#),
            );
        assert_fires(&ShellFormEntrypoint, &w, &["Config.Cmd"]);
    }

    #[test]
    fn passes() {
        assert_clean(&ShellFormEntrypoint, &hardened());
        let mut w = hardened();
        w.set("Cmd", Some(r#"["/bin/sh", "-c", "exec /app/server"]"#));
        assert_clean(&ShellFormEntrypoint, &w);
        let mut w = hardened();
        w.set("Cmd", Some(r#"["/bin/sh", "/app/start.sh"]"#));
        assert_clean(&ShellFormEntrypoint, &w);
    }
}
