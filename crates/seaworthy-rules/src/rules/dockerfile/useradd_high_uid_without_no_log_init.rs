use seaworthy_dockerfile::shell::Command;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `useradd` with a high UID (six digits or more, or a UID the Dockerfile does not fix) and
/// without `-l`/`--no-log-init`: the lastlog and faillog files grow to the size of the UID.
pub struct UseraddHighUidWithoutNoLogInit;

static META: RuleMeta = RuleMeta {
    id: "SW1441",
    name: "useradd-high-uid-without-no-log-init",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3046"],
    summary: "`useradd` with a high UID and without `--no-log-init` bloats the layer.",
    why: "useradd records the new user in /var/log/lastlog and /var/log/faillog, files indexed \
          by UID: a user with UID 1000000 makes lastlog about 300 MB. On disk the file is \
          sparse, but image layers are tar archives that store it in full, so the layer and \
          every pull grow by that much. `useradd --no-log-init` (`-l`) skips those logs, \
          which a container does not use. A UID given as a variable the Dockerfile gives no \
          value (`-u $UID`) may be high and is reported too; one whose value is known (`ARG \
          UID=10001`) is judged by that value. Differs from hadolint: hadolint reports \
          every UID written as a variable; seaworthy uses the value the Dockerfile gives it, \
          so `-u ${UID}` after `ARG UID=999` is a low UID and not reported.",
    bad: "FROM debian:12.7\nRUN useradd -u 1000000 app\n",
    good: "FROM debian:12.7\nRUN useradd --no-log-init -u 1000000 app\n",
};

impl DockerfileRule for UseraddHighUidWithoutNoLogInit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for (index, step) in stage.steps.iter().enumerate() {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let vars = cx.model.variables_before(stage.index, index);
                for cmd in script.commands_named("useradd") {
                    if cmd.has_flag(Some('l'), Some("no-log-init")) {
                        continue;
                    }
                    let Some(uid) = uid_of(cmd) else { continue };
                    // `$UID` / `${UID}` with a value the Dockerfile gives; anything else not
                    // static (no value, a command substitution) may be high.
                    let value = uid.value.or_else(|| {
                        let name = uid.raw.trim_matches('"').strip_prefix('$')?;
                        let name = name
                            .strip_prefix('{')
                            .and_then(|n| n.strip_suffix('}'))
                            .unwrap_or(name);
                        vars.value(name).map(str::to_owned)
                    });
                    let high = match &value {
                        Some(v) if v.chars().all(|c| c.is_ascii_digit()) => v.len() > 5,
                        Some(_) => false,
                        None => true,
                    };
                    if !high {
                        continue;
                    }
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!(
                            "`useradd` with UID {} and without `--no-log-init` writes \
                             lastlog/faillog files as large as the UID into the layer",
                            value.as_deref().unwrap_or(&uid.raw)
                        ),
                    ));
                }
            }
        }
    }
}

/// The UID argument as written and its static value.
struct Uid {
    raw: String,
    value: Option<String>,
}

/// The UID of `-u N`, `-uN`, `--uid N`, `--uid=N`, or a cluster ending in `u` (`-mu N`).
fn uid_of(cmd: &Command) -> Option<Uid> {
    let mut args = cmd.args.iter();
    while let Some(arg) = args.next() {
        let text = arg.value_str().unwrap_or(&arg.raw);
        if text == "--" {
            return None;
        }
        let cluster = text.len() > 1
            && text.starts_with('-')
            && !text.starts_with("--")
            && text[1..].chars().all(|c| c.is_ascii_alphabetic());
        if text == "--uid" || (cluster && text.ends_with('u')) {
            let next = args.next()?;
            return Some(Uid {
                raw: next.raw.clone(),
                value: next.value.clone(),
            });
        }
        for prefix in ["--uid=", "-u"] {
            if text.starts_with(prefix) && !(prefix == "-u" && text.starts_with("--")) {
                return Some(Uid {
                    raw: arg.raw.strip_prefix(prefix).unwrap_or(&arg.raw).to_owned(),
                    value: arg.value.as_deref().map(|v| v[prefix.len()..].to_owned()),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&UseraddHighUidWithoutNoLogInit);
    }

    #[test]
    fn fires() {
        let r = &UseraddHighUidWithoutNoLogInit;
        assert_fires(r, "FROM debian\nRUN useradd -u 100000 app\n", &[2]);
        assert_fires(r, "FROM debian\nRUN useradd -u100000 app\n", &[2]);
        assert_fires(r, "FROM debian\nRUN useradd --uid 100000 app\n", &[2]);
        assert_fires(r, "FROM debian\nRUN useradd --uid=1000000 app\n", &[2]);
        assert_fires(r, "FROM debian\nRUN useradd -mu 100000 app\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN groupadd -g 100000 app && \\\n    useradd -m -u 100000 -g app app\n",
            &[3],
        );
        // A UID the Dockerfile does not fix.
        assert_fires(r, "FROM debian\nARG UID\nRUN useradd -u ${UID} app\n", &[3]);
        assert_fires(r, "FROM debian\nRUN useradd -u \"$(id -u)\" app\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nARG UID=123456\nRUN useradd -u $UID app\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian AS build\nRUN <<EOF\nuseradd -u 200000 app\nEOF\nFROM debian\n",
            &[3],
        );
    }

    #[test]
    fn passes() {
        let r = &UseraddHighUidWithoutNoLogInit;
        assert_clean(r, "FROM debian\nRUN useradd -l -u 100000 app\n");
        assert_clean(r, "FROM debian\nRUN useradd --no-log-init -u 100000 app\n");
        assert_clean(r, "FROM debian\nRUN useradd -r -l -u 100000 app\n");
        assert_clean(r, "FROM debian\nRUN useradd -u 10001 app\n");
        assert_clean(r, "FROM debian\nRUN useradd app\n");
        assert_clean(r, "FROM debian\nARG UID=10001\nRUN useradd -u $UID app\n");
        // A global ARG's default, redeclared in the stage (docker-library/redis).
        assert_clean(
            r,
            "ARG UID=999\nFROM debian\nARG UID\nRUN set -xe; \\\n    if [ -f /sbin/groupadd ]; then \\\n        \
             groupadd -r -g ${UID} redis && useradd -r -g redis -u ${UID} redis ; \\\n    fi\n",
        );
        assert_clean(r, "FROM debian\nRUN adduser -u 100000 app\n");
        assert_clean(r, "FROM debian\nRUN usermod -u 100000 app\n");
    }
}
