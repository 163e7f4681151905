use seaworthy_dockerfile::model::FileCopy;
use seaworthy_dockerfile::{Args, Expanded, Instruction, Span};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// `ADD` of local files or directories, which `COPY` does without surprises. `ADD` is left
/// alone where it does something `COPY` cannot: a URL, a git repository, a local tar archive
/// (by its name: `.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, `.tar.zst`, ...), which it
/// extracts, and heredoc sources. Sources are judged after variable expansion, so
/// `ADD ${URL} /x` with `ARG URL=https://...` is a URL; a source that expands to nothing is
/// unknown and not reported.
///
/// The fix rewrites the keyword `ADD` as `COPY` (in the keyword's casing) when nothing of the
/// instruction needs ADD: every source is a local path written without variables (an `ARG`
/// could be set to a URL with `--build-arg`), no source is a heredoc, no wildcard could match
/// a tar archive's name, and every flag is one COPY takes the same way (`--chown`, `--chmod`,
/// `--link`, `--exclude`).
pub struct AddInsteadOfCopy;

static META: RuleMeta = RuleMeta {
    id: "SW1502",
    name: "add-instead-of-copy",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 12,
    aliases: &[
        "DL3020",
        "DS-0005",
        "DS005",
        "AVD-DS-0005",
        "CKV_DOCKER_4",
        "CIS-DI-0009",
    ],
    summary: "ADD copies local files; use COPY.",
    why: "ADD does more than copy: it extracts any local tar archive it is given (by content, \
          not by name) and fetches URLs. For plain files it behaves like COPY until someone \
          adds a `.tar.gz` to the directory, and then the image gets the archive's contents \
          instead. COPY says what it does and nothing else; keep ADD for the archives and \
          URLs you mean it for. `seaworthy fix` rewrites `ADD` as `COPY` when every source is \
          a local path written without variables and every flag is one COPY takes.",
    bad: "FROM python:3.12-slim\nADD requirements.txt /app/\nADD src /app/src\n",
    good: "FROM python:3.12-slim\nCOPY requirements.txt /app/\nCOPY src /app/src\n",
};

impl DockerfileRule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Expanded::Add(add) = &step.expanded else {
                    continue;
                };
                let ins = step.instruction;
                let spans = super::copy_source_spans(ins);
                let local: Vec<(&str, Option<Span>)> = add
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.as_str(), spans.get(i).copied()))
                    .filter(|(s, _)| !s.is_empty() && !is_remote(s) && !is_tar_archive(s))
                    .collect();
                if local.is_empty() {
                    continue;
                }
                let listed = local
                    .iter()
                    .map(|(s, _)| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut finding = Finding::new(
                    &META,
                    ins.keyword,
                    format!(
                        "ADD copies the local {what} {listed}: use COPY, which never extracts \
                         archives or fetches URLs",
                        what = if local.len() == 1 { "path" } else { "paths" }
                    ),
                );
                for span in local.iter().filter_map(|(_, span)| *span) {
                    finding = finding.with_related(span, "a local source");
                }
                if let Some(fix) = copy_fix(cx, ins, add) {
                    finding = finding.with_fix(fix);
                }
                out.push(finding);
            }
        }
    }
}

/// The flags COPY takes with the meaning they have on ADD.
const COPY_FLAGS: &[&str] = &["chown", "chmod", "link", "exclude"];

/// `ADD` rewritten as `COPY`, when the two do the same thing here: every source is a local
/// path that cannot be a URL or tar archive whatever the build arguments, and every flag is
/// one COPY takes.
fn copy_fix(cx: &DockerfileContext<'_>, ins: &Instruction, add: &FileCopy) -> Option<Fix> {
    if !ins.heredocs.is_empty()
        || !add.heredocs.is_empty()
        || ins.flags.iter().any(|f| !COPY_FLAGS.contains(&f.name()))
    {
        return None;
    }
    let written: Vec<String> = match &ins.args {
        Args::Words(words) => words
            .iter()
            .map(|w| cx.file.logical(ins, w.span).into_owned())
            .collect(),
        Args::Json { items, .. } => items
            .iter()
            .map(|w| cx.file.arg_value(ins, w).into_owned())
            .collect(),
        _ => return None,
    };
    let (_, sources) = written.split_last()?;
    if sources.is_empty() || sources.len() != add.sources.len() {
        return None;
    }
    let local = |s: &str| !s.is_empty() && !is_remote(s) && !may_name_archive(s);
    if sources.iter().any(|s| s.contains('$'))
        || !add.sources.iter().all(|s| local(s))
        || !sources.iter().all(|s| local(s))
    {
        return None;
    }
    let copy = super::fixes_words::keyword_like(&cx.file.slice(ins.keyword), "COPY");
    Some(Fix::safe(
        format!("write `{copy}`"),
        vec![Edit::replace(ins.keyword, copy)],
    ))
}

/// Whether `source`, a path or a wildcard pattern, is or may match the name of a tar archive:
/// a pattern matches names that end with what follows its last wildcard, so `*.txt` cannot
/// and `*`, `dist/*` or `*.gz` can.
fn may_name_archive(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    let Some(last) = lower.rfind(['*', '?', '[', ']']) else {
        return is_tar_archive(&lower);
    };
    let suffix = &lower[last + 1..];
    suffix.is_empty()
        || TAR_EXTENSIONS
            .iter()
            .any(|ext| ext.ends_with(suffix) || suffix.ends_with(ext))
}

/// A URL or a git repository, as BuildKit tells them from local paths.
fn is_remote(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    ["http://", "https://", "git://", "git@", "ssh://"]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower.contains(".git#")
        || lower.ends_with(".git")
}

/// A tar archive (possibly compressed) by its name: ADD extracts it.
fn is_tar_archive(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    TAR_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

const TAR_EXTENSIONS: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::FixKind;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&AddInsteadOfCopy);
    }

    #[test]
    fn fires() {
        assert_fires(&AddInsteadOfCopy, "FROM alpine\nADD app.py /app/\n", &[2]);
        assert_fires(&AddInsteadOfCopy, "FROM alpine\nADD . /app\n", &[2]);
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nADD [\"a b.txt\", \"/app/\"]\n",
            &[2],
        );
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nARG SRC=conf\nADD ${SRC} /etc/app/\n",
            &[3],
        );
        // Build stages too: the surprise happens wherever ADD runs.
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine AS build\nADD src /src\nFROM alpine\nCOPY --from=build /src /src\n",
            &[2],
        );
        // One archive does not excuse the other sources.
        assert_fires(
            &AddInsteadOfCopy,
            "FROM alpine\nADD rootfs.tar.gz conf /\n",
            &[2],
        );
    }

    #[test]
    fn fix_rewrites_the_keyword() {
        let rule = &AddInsteadOfCopy;
        assert_fix(
            rule,
            "FROM alpine\nADD app.py /app/\n",
            "FROM alpine\nCOPY app.py /app/\n",
            FixKind::Safe,
        );
        // Lower-case keywords stay lower case; flags COPY takes stay.
        assert_fix(
            rule,
            "from alpine\nadd --chown=10001:10001 --chmod=0644 --link conf /etc/app/\n",
            "from alpine\ncopy --chown=10001:10001 --chmod=0644 --link conf /etc/app/\n",
            FixKind::Safe,
        );
        // JSON form, several sources, a continuation line and a comment inside it, CRLF.
        assert_fix(
            rule,
            "FROM alpine\r\nADD [\"a b.txt\", \\\r\n# the config\r\n  \"conf\", \"/app/\"]\r\n",
            "FROM alpine\r\nCOPY [\"a b.txt\", \\\r\n# the config\r\n  \"conf\", \"/app/\"]\r\n",
            FixKind::Safe,
        );
        // Every stage, a wildcard that cannot name an archive, --exclude.
        assert_fix(
            rule,
            "FROM alpine AS build\nADD src /src\nFROM alpine\nADD --exclude=*.md *.txt ./\n",
            "FROM alpine AS build\nCOPY src /src\nFROM alpine\nCOPY --exclude=*.md *.txt ./\n",
            FixKind::Safe,
        );
        // The backtick escape directive.
        assert_fix(
            rule,
            "# escape=`\nFROM alpine\nADD a `\n    b C:/app/\n",
            "# escape=`\nFROM alpine\nCOPY a `\n    b C:/app/\n",
            FixKind::Safe,
        );
    }

    #[test]
    fn no_fix_where_add_may_do_more_than_copy() {
        let rule = &AddInsteadOfCopy;
        // One source is an archive ADD extracts, or a URL.
        assert_no_fix(rule, "FROM alpine\nADD rootfs.tar.gz conf /\n");
        assert_no_fix(
            rule,
            "FROM alpine\nADD conf https://example.com/app.conf /etc/\n",
        );
        // A variable: `--build-arg SRC=https://...` would make it a URL.
        assert_no_fix(rule, "FROM alpine\nARG SRC=conf\nADD ${SRC} /etc/app/\n");
        assert_no_fix(
            rule,
            "FROM alpine\nARG SRC=conf\nADD [\"$SRC\", \"/etc/app/\"]\n",
        );
        // Wildcards that may match an archive's name.
        assert_no_fix(rule, "FROM alpine\nADD dist/* /srv/\n");
        assert_no_fix(rule, "FROM alpine\nADD release.t* /srv/\n");
        assert_no_fix(rule, "FROM alpine\nADD release.tar.g? /srv/\n");
        // Flags COPY does not take.
        assert_no_fix(rule, "FROM alpine\nADD --keep-git-dir=true src /src\n");
        assert_no_fix(rule, "FROM alpine\nADD --unpack=false src /src\n");
        // A heredoc among the sources.
        assert_no_fix(rule, "FROM alpine\nADD <<EOF conf /etc/app/\nx\nEOF\n");
    }

    #[test]
    fn archive_names_of_patterns() {
        assert!(!may_name_archive("app.py"));
        assert!(may_name_archive("app.TGZ"));
        assert!(!may_name_archive("*.txt"));
        assert!(!may_name_archive("requirements*.txt"));
        assert!(!may_name_archive("bin/*-linux"));
        assert!(may_name_archive("*"));
        assert!(may_name_archive("*.gz"));
        assert!(may_name_archive("pkg[0-9]"));
        assert!(may_name_archive("*z"));
    }

    #[test]
    fn passes() {
        assert_clean(&AddInsteadOfCopy, "FROM alpine\nCOPY app.py /app/\n");
        assert_clean(&AddInsteadOfCopy, "FROM scratch\nADD rootfs.tar.xz /\n");
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tgz /opt/\n",
        );
        // A URL hidden in a variable (hadolint #769).
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nARG URL=https://example.com/tool\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d ${URL} /usr/local/bin/tool\n",
        );
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD https://github.com/moby/buildkit.git#v0.16.0 /src\n",
        );
        // A heredoc source.
        assert_clean(
            &AddInsteadOfCopy,
            "FROM alpine\nADD <<EOF /etc/motd\nhello\nEOF\n",
        );
    }
}
