use seaworthy_dockerfile::shell::Command;
use seaworthy_dockerfile::{Expanded, Span};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A local tar archive is `COPY`'d into a stage and a later `RUN` of the same stage extracts
/// it (`tar -x`, `tar xf`, `gunzip`, `zcat`, …): the archive stays in the COPY layer.
pub struct ArchiveCopiedThenExtracted;

static META: RuleMeta = RuleMeta {
    id: "SW1445",
    name: "archive-copied-then-extracted",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DL3010"],
    summary: "A copied archive is extracted by a later RUN; ADD extracts it in one layer.",
    why: "The COPY layer keeps the compressed archive even when the RUN that extracts it \
          deletes it afterwards, so the image carries the files twice. `ADD app.tar.gz \
          /opt/app/` extracts a local tar archive (plain, gzip, bzip2 or xz) straight into \
          the destination in one layer; a `RUN --mount=type=bind,source=app.tar.gz,target=/tmp/a.tgz \
          tar -xzf /tmp/a.tgz -C /opt` extracts it without copying it at all. Differs from \
          hadolint: every stage is checked (hadolint only reports the last one), `tar xf` \
          without a dash counts as extraction while `tar -c --exclude=…` does not, and an \
          extraction ADD cannot do (`--strip-components`) or a single compressed file that \
          is not a tar archive (`gunzip data.gz`) is not reported.",
    bad: "FROM debian:12.7\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz\n",
    good: "FROM debian:12.7\nADD app.tar.gz /opt/\n",
};

/// hadolint's archive extensions.
const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// Decompressors that read one file: they extract a tar archive only when piped into tar,
/// so the file must be named like one.
const DECOMPRESSORS: &[&str] = &[
    "unzip",
    "gunzip",
    "bunzip2",
    "unlzma",
    "unxz",
    "zgz",
    "uncompress",
    "zcat",
    "gzcat",
    "bzcat",
    "xzcat",
];

impl DockerfileRule for ArchiveCopiedThenExtracted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            // (basename, the COPY's span, already reported)
            let mut copied: Vec<(String, Span, bool)> = Vec::new();
            for step in &stage.steps {
                if let (Expanded::Copy(copy), None) = (&step.expanded, &step.copy_from) {
                    let dest = basename(&copy.dest);
                    if is_archive(dest) {
                        copied.push((dest.to_owned(), step.instruction.span, false));
                    } else {
                        for src in &copy.sources {
                            let name = basename(src);
                            if is_archive(name) && !name.contains(['*', '?', '[']) {
                                copied.push((name.to_owned(), step.instruction.span, false));
                            }
                        }
                    }
                    continue;
                }
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for cmd in &script.commands {
                    let Some(operands) = extracted_operands(cmd) else {
                        continue;
                    };
                    for (name, span, reported) in copied.iter_mut() {
                        if *reported || !operands.iter().any(|o| basename(o) == name) {
                            continue;
                        }
                        *reported = true;
                        out.push(Finding::new(
                            &META,
                            *span,
                            format!(
                                "`{name}` is copied, then extracted by a RUN: the archive stays \
                                 in the COPY layer; `ADD` extracts a local tar archive in one \
                                 step"
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// The file operands of a command that extracts an archive ADD could extract.
fn extracted_operands(cmd: &Command) -> Option<Vec<&str>> {
    let name = cmd.name_str()?;
    let values: Vec<&str> = cmd.arg_values().flatten().collect();
    if name == "tar" {
        let first = values.first()?;
        let extracts = values.iter().any(|v| {
            *v == "--extract"
                || *v == "--get"
                || (v.starts_with('-')
                    && !v.starts_with("--")
                    && v[1..].chars().all(|c| c.is_ascii_alphanumeric())
                    && v.contains('x'))
        }) || (!first.starts_with('-')
            && first.contains('x')
            && first.chars().all(|c| c.is_ascii_alphabetic()));
        let strips = values
            .iter()
            .any(|v| v.starts_with("--strip-components") || v.starts_with("--transform"));
        return (extracts && !strips).then_some(
            values
                .iter()
                .flat_map(|v| [*v, v.strip_prefix("--file=").unwrap_or(v)])
                .collect(),
        );
    }
    if DECOMPRESSORS.contains(&name) {
        return Some(
            values
                .into_iter()
                .filter(|v| !v.starts_with('-') && is_tar_name(basename(v)))
                .collect(),
        );
    }
    None
}

fn basename(path: &str) -> &str {
    let p = path.trim_matches(['"', '\'']).trim_end_matches('/');
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn is_archive(name: &str) -> bool {
    ARCHIVE_EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// A compressed tar archive rather than a single compressed file.
fn is_tar_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains(".tar.")
        || [
            ".tgz", ".tbz", ".tbz2", ".tb2", ".txz", ".tlz", ".tpz", ".tz",
        ]
        .iter()
        .any(|e| lower.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ArchiveCopiedThenExtracted);
    }

    #[test]
    fn fires() {
        let r = &ArchiveCopiedThenExtracted;
        assert_fires(
            r,
            "FROM debian\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nCOPY b.tgz /tmp/x.tgz\nRUN tar xf /tmp/x.tgz\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nCOPY a.txt \\\n     d.tar.xz /tmp/\nRUN cd /tmp \\\n && tar --extract --file=d.tar.xz\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nCOPY d.tar.gz /tmp/\nRUN zcat /tmp/d.tar.gz | tar -x -C /opt\n",
            &[2],
        );
        // Every stage, not only the last one.
        assert_fires(
            r,
            "FROM debian AS a\nCOPY app.tar.gz /tmp/\nRUN <<EOF\ntar -xzf /tmp/app.tar.gz\nEOF\nFROM debian\nCOPY --from=a /opt /opt\n",
            &[2],
        );
        // Reported once per COPY.
        assert_fires(
            r,
            "FROM debian\nCOPY a.tgz /tmp/\nRUN tar -xf /tmp/a.tgz\nRUN tar -xf /tmp/a.tgz\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &ArchiveCopiedThenExtracted;
        assert_clean(r, "FROM debian\nADD app.tar.gz /opt/\n");
        assert_clean(
            r,
            "FROM debian\nCOPY d.tar.xz /tmp/\nRUN tar -czf out.tar.gz --exclude=y .\n",
        );
        assert_clean(
            r,
            "FROM debian\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz --strip-components=1 -C /opt\n",
        );
        assert_clean(
            r,
            "FROM debian\nCOPY data.gz /tmp/\nRUN gunzip /tmp/data.gz\n",
        );
        assert_clean(
            r,
            "FROM debian\nCOPY app.zip /tmp/\nRUN unzip /tmp/app.zip\n",
        );
        assert_clean(
            r,
            "FROM debian\nCOPY app.tar.gz /tmp/\nFROM debian\nRUN tar -xzf /tmp/app.tar.gz\n",
        );
        assert_clean(
            r,
            "FROM debian AS a\nFROM debian\nCOPY --from=a /app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN tar -xzf /tmp/app.tar.gz\nCOPY app.tar.gz /tmp/\n",
        );
    }
}
