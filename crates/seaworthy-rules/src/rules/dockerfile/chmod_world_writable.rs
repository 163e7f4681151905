use seaworthy_dockerfile::{Expanded, Span};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `chmod 777` (or any mode that lets every user write: `666`, `o+w`, `a=rwx`), in a `RUN` or
/// as `COPY --chmod`/`ADD --chmod`. Modes with the sticky bit (`1777`, as `/tmp` has) are how
/// shared directories are meant to be and do not fire.
pub struct ChmodWorldWritable;

static META: RuleMeta = RuleMeta {
    id: "SW1410",
    name: "chmod-world-writable",
    severity: Severity::Warning,
    category: Category::Hygiene,
    practice: 5,
    aliases: &[],
    summary: "Files or directories are made writable by every user (`chmod 777`).",
    why: "`chmod 777` is the usual way to make a permission error go away, and it removes the \
          one thing file permissions are for: any process in the container, under any UID, can \
          now change the application's code or data. Give the directory to the user the \
          container runs as instead (`chown 10001:10001 /data` or `COPY --chown=10001:10001`) \
          with a mode like 755 or 700.",
    bad: "FROM python:3.12.7-slim\nRUN mkdir /data && chmod -R 777 /data\nUSER 10001\n",
    good:
        "FROM python:3.12.7-slim\nRUN mkdir /data && chown 10001:10001 /data && chmod 700 /data\n\
           USER 10001\n",
};

impl DockerfileRule for ChmodWorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                if let Expanded::Copy(copy) | Expanded::Add(copy) = &step.expanded {
                    let mode = copy.chmod.as_deref().unwrap_or("");
                    if world_writable(mode) {
                        let flag = step
                            .instruction
                            .flags
                            .iter()
                            .find(|f| f.name() == "chmod")
                            .map_or(step.instruction.keyword, |f| f.span);
                        out.push(message(flag, mode, "--chmod"));
                    }
                }
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in script.commands_named("chmod") {
                    let mode = cmd.args.iter().find(|a| {
                        a.value
                            .as_deref()
                            .is_some_and(|v| !v.starts_with('-') || is_symbolic(v))
                    });
                    let Some(mode) = mode else { continue };
                    let value = mode.value.as_deref().unwrap_or("");
                    if world_writable(value) {
                        out.push(message(run.source_span(mode.span.clone()), value, "chmod"));
                    }
                }
            }
        }
    }
}

fn message(span: Span, mode: &str, how: &str) -> Finding {
    Finding::new(
        &META,
        span,
        format!(
            "`{how} {mode}` lets every user write here; chown to the runtime user and use a \
             mode like 755 or 700"
        ),
    )
}

/// `-w`-style symbolic modes start with a dash, like options.
fn is_symbolic(v: &str) -> bool {
    v.len() > 1 && v[1..].chars().all(|c| "rwxXst".contains(c))
}

/// Octal with the others-write bit and no sticky bit, or a symbolic mode that adds write for
/// others (`o+w`, `a+rwx`, `ugo=rwx`).
fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let Ok(bits) = u32::from_str_radix(mode, 8) else {
            return false;
        };
        return bits & 0o002 != 0 && bits & 0o1000 == 0;
    }
    mode.split(',').any(|clause| {
        let Some(op) = clause.find(['+', '=']) else {
            return false;
        };
        let (who, perms) = clause.split_at(op);
        (who.contains('o') || who.contains('a')) && perms.contains('w') && !perms.contains('t')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ChmodWorldWritable);
    }

    #[test]
    fn fires() {
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nRUN chmod 777 /data\n",
            &[2],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nRUN chmod -R 0777 /app\n",
            &[2],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nRUN sudo chmod a+rwx /app\n",
            &[2],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nRUN mkdir /d \\\n && chmod -R o+w /d\n",
            &[3],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nRUN <<EOF\nchmod 666 /f\nEOF\n",
            &[3],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine\nCOPY --chmod=777 app /app\n",
            &[2],
        );
        assert_fires(
            &ChmodWorldWritable,
            "FROM alpine AS b\nRUN chmod 777 /x\nFROM alpine\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&ChmodWorldWritable, "FROM alpine\nRUN chmod 755 /app\n");
        assert_clean(
            &ChmodWorldWritable,
            "FROM alpine\nRUN chmod 1777 /scratch\n",
        );
        assert_clean(
            &ChmodWorldWritable,
            "FROM alpine\nRUN chmod +x /entrypoint.sh\n",
        );
        assert_clean(
            &ChmodWorldWritable,
            "FROM alpine\nRUN chmod -R g+w,o-w /app\n",
        );
        assert_clean(
            &ChmodWorldWritable,
            "FROM alpine\nCOPY --chmod=755 app /app\n",
        );
        assert_clean(&ChmodWorldWritable, "FROM alpine\nRUN echo chmod 777\n");
    }
}
