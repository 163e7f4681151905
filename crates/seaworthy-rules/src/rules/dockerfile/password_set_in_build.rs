use seaworthy_dockerfile::shell::{Command, Script};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A `RUN` sets an account's password: `chpasswd`, `passwd --stdin`, `echo … | passwd`,
/// `passwd <<<…`, `useradd -p` / `usermod -p` / `usermod --password`. Locking or deleting a
/// password (`passwd -l`, `passwd -d`, `usermod -L`) is fine.
pub struct PasswordSetInBuild;

static META: RuleMeta = RuleMeta {
    id: "SW1310",
    name: "password-set-in-build",
    severity: Severity::Warning,
    category: Category::Secrets,
    practice: 4,
    aliases: &["CKV2_DOCKER_17"],
    summary: "A RUN sets a user's password in the image.",
    why: "The password is written in the Dockerfile, kept in the image history next to the \
          RUN, and its hash sits in /etc/shadow of every container started from the image, \
          identical across all of them. Containers do not need login passwords: run the \
          process as its user with `USER`, switch users with `USER` or `gosu` at build time, \
          and give services that need credentials a secret at run time (a mounted file or a \
          secret manager). Locking the account (`passwd -l`, `usermod -L`) is the safe default.",
    bad: "FROM debian:12.7\nRUN useradd -m app && echo 'app:s3cret' | chpasswd\n",
    good: "FROM debian:12.7\nRUN useradd -m app && passwd -l app\nUSER app\n",
};

impl DockerfileRule for PasswordSetInBuild {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some(what) = sets_password(script, i, cmd) else {
                        continue;
                    };
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!(
                            "{what} sets a password that stays in the Dockerfile, the image \
                             history and /etc/shadow; lock the account and pass credentials \
                             at run time instead"
                        ),
                    ));
                }
            }
        }
    }
}

fn sets_password(script: &Script, index: usize, cmd: &Command) -> Option<&'static str> {
    match cmd.name_str()? {
        "chpasswd" => Some("`chpasswd`"),
        "passwd" => {
            // `passwd -l`, `-d`, `-e`, `-S`, `-u` manage the account without a new password.
            if ["l", "d", "e", "S", "u"]
                .iter()
                .any(|f| cmd.has_flag(f.chars().next(), None))
                || cmd.has_flag(None, Some("lock"))
                || cmd.has_flag(None, Some("delete"))
                || cmd.has_flag(None, Some("expire"))
                || cmd.has_flag(None, Some("status"))
            {
                return None;
            }
            let piped = cmd.pipeline.is_some() && cmd.position_in_pipeline > 0;
            let fed = cmd
                .redirects
                .iter()
                .any(|r| matches!(r.op.as_str(), "<<<" | "<<" | "<<-" | "<") && r.fd.is_none());
            if cmd.has_flag(None, Some("stdin")) {
                Some("`passwd --stdin`")
            } else if piped || fed || fed_by_pipe(script, index) {
                Some("`passwd` reading a password from its input")
            } else {
                None
            }
        }
        "useradd" | "usermod" | "adduser" => {
            let with_password = cmd.args.iter().any(|w| {
                w.value_str()
                    .is_some_and(|v| v == "-p" || v == "--password" || v.starts_with("--password="))
            });
            with_password.then_some("`-p`/`--password`")
        }
        _ => None,
    }
}

/// A wrapped `passwd` (`sudo passwd`) reads what is piped into its wrapper.
fn fed_by_pipe(script: &Script, index: usize) -> bool {
    let cmd = &script.commands[index];
    cmd.wrapped_by
        .map(|w| &script.commands[w])
        .is_some_and(|w| w.pipeline.is_some() && w.position_in_pipeline > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PasswordSetInBuild);
    }

    #[test]
    fn fires() {
        let r = &PasswordSetInBuild;
        assert_fires(r, "FROM debian\nRUN echo 'root:root' | chpasswd\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN useradd -m app \\\n && echo \"app:${PASS}\" | chpasswd -e\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM centos:7\nRUN echo secret | passwd --stdin root\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN printf 'pw\\npw\\n' | passwd app\n",
            &[2],
        );
        assert_fires(r, "FROM debian\nRUN passwd app <<< $'pw\\npw'\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN useradd -m -p \"$(openssl passwd -1 pw)\" app\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN <<EOF\nuseradd app\necho app:pw | chpasswd\nEOF\n",
            &[4],
        );
        assert_fires(
            r,
            "FROM debian AS build\nRUN echo pw | sudo passwd --stdin app\nFROM debian\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &PasswordSetInBuild;
        assert_clean(r, "FROM debian\nRUN useradd -m app && passwd -l app\n");
        assert_clean(r, "FROM debian\nRUN passwd -d root\n");
        assert_clean(r, "FROM debian\nRUN usermod -L root\n");
        assert_clean(r, "FROM debian\nRUN useradd --no-log-init -u 10001 app\n");
        assert_clean(r, "FROM debian\nRUN apt-get install -y passwd\n");
        assert_clean(r, "FROM debian\nRUN openssl passwd -6 x > /dev/null\n");
    }
}
