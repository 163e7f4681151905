//! Finding the image references of a file, with the byte range each is written at: FROM lines,
//! `COPY --from=` and `RUN --mount=…,from=` of a Dockerfile (through its model: stages, stage
//! indexes, `scratch`, ARGs), `image:` of Compose services
//! (through the loader: the value is edited where it is written, in whichever file), and
//! `image:` of containers in Kubernetes-style manifests. What cannot be pinned is found too,
//! with the reason, so that it is reported rather than guessed.

use std::collections::BTreeSet;
use std::ops::Range;

use seaworthy_compose::interpolate::referenced_variables;
use seaworthy_compose::yaml::{self, Node, Value};
use seaworthy_dockerfile::expand::Lexer;
use seaworthy_dockerfile::{
    Args, BaseImage, BuildOptions, Dockerfile, Flag, ImageRef, Instruction, Keyword, Model,
    SourceRef,
};

/// One image reference as a file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Where the syntactic value starts (a quoted YAML scalar's opening quote): for positions
    /// and for finding the value again after the edit.
    pub node_start: usize,
    /// The reference's text as written (a quoted scalar's content, without the quotes).
    pub written: String,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// A reference that can be edited: `span` is the byte range of `written` in the file.
    Image { span: Range<usize>, image: ImageRef },
    /// Not an image to pin, and why (a stage, `scratch`, built from ARG V …).
    Skip(String),
    /// Written where an image reference belongs but not one (a finding of its own).
    Invalid(String),
}

fn names(vars: &BTreeSet<String>) -> String {
    vars.iter().cloned().collect::<Vec<_>>().join(", ")
}

const NOT_IN_PLACE: &str = "written with quotes, escapes or a line continuation inside the name";

/// A `from` written in a flag: the `--from=` of a COPY, or the `from=` field of a RUN `--mount`.
struct FlagFrom<'f> {
    flag: &'f Flag,
    /// The value as BuildKit reads it; `None` for a `--mount` whose fields are CSV-quoted (only
    /// the model knows its `from=` then).
    value: Option<String>,
    /// The byte range of the value in the file, when the flag is written as BuildKit reads it
    /// (no quotes, escapes or line continuations inside it).
    span: Option<Range<usize>>,
}

/// The `from`s written in the flags of `ins`: COPY's last `--from` (the one BuildKit uses) and
/// the last `from=` of each RUN `--mount` (mount option keys are case-insensitive).
fn flag_froms<'f>(file: &Dockerfile, ins: &'f Instruction) -> Vec<FlagFrom<'f>> {
    let plain = |flag: &Flag| file.slice(flag.span) == flag.text;
    let mut out = Vec::new();
    match ins.kind {
        Keyword::Copy => {
            if let Some(flag) = ins.flags.iter().rfind(|f| f.name() == "from") {
                let value = flag.value().unwrap_or("");
                let end = flag.span.end;
                out.push(FlagFrom {
                    flag,
                    value: Some(value.to_string()),
                    span: plain(flag).then(|| end - value.len()..end),
                });
            }
        }
        Keyword::Run => {
            for flag in ins.flags.iter().filter(|f| f.name() == "mount") {
                let value = flag.value().unwrap_or("");
                if value.contains('"') {
                    out.push(FlagFrom {
                        flag,
                        value: None,
                        span: None,
                    });
                    continue;
                }
                // Without quotes, the CSV fields are the pieces between commas.
                let value_start = flag.span.end - value.len();
                let mut offset = 0;
                let mut found = None;
                for field in value.split(',') {
                    if let Some((key, v)) = field.split_once('=') {
                        if key.eq_ignore_ascii_case("from") {
                            found = Some((offset + key.len() + 1, v));
                        }
                    }
                    offset += field.len() + 1;
                }
                if let Some((at, v)) = found {
                    let start = value_start + at;
                    out.push(FlagFrom {
                        flag,
                        value: Some(v.to_string()),
                        span: plain(flag).then(|| start..start + v.len()),
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// The image references of a Dockerfile: `FROM` lines, `COPY --from=` and `RUN --mount=…,from=`
/// (a stage name or, for COPY, a stage index is no reference and is left out). An error is
/// the parser's, one line.
pub fn dockerfile_refs(text: &str) -> Result<Vec<Ref>, String> {
    let file = Dockerfile::parse(text.as_bytes()).map_err(|e| {
        format!(
            "{}:{}: error: {}",
            e.position.line, e.position.column, e.message
        )
    })?;
    let model = Model::build(&file, &BuildOptions::default());
    let lexer = Lexer::new(file.escape as char);
    // Every variable a word refers to, whether the ARG has a default or not: a value from a
    // default could be overridden by --build-arg, so pinning it would be a guess.
    let vars_of = |word: &str| -> BTreeSet<String> {
        match lexer.process_word(word, &Vec::<(String, String)>::new()) {
            Ok(e) => e.unmatched.into_iter().chain(e.matched).collect(),
            Err(_) => BTreeSet::new(),
        }
    };
    let built_from = |vars: &BTreeSet<String>| {
        let s = if vars.len() == 1 { "" } else { "s" };
        format!("built from ARG{s} {}", names(vars))
    };
    let mut refs = Vec::new();
    for stage in &model.stages {
        let from = stage.from;
        let Args::Words(words) = &from.args else {
            continue;
        };
        let Some(word) = words.first() else {
            continue;
        };
        let raw = file.slice(word.span).into_owned();
        let logical = file.logical(from, word.span).into_owned();
        let node_start = word.span.start;
        let skip = |reason: String| Ref {
            node_start,
            written: logical.clone(),
            what: What::Skip(reason),
        };
        let vars = vars_of(&logical);
        if !vars.is_empty() {
            refs.push(skip(built_from(&vars)));
            continue;
        }
        match &stage.base {
            BaseImage::Scratch => refs.push(skip("scratch is no image".into())),
            BaseImage::Stage(i) => refs.push(skip(format!(
                "a stage of this Dockerfile ({})",
                model.stages[*i].display_name()
            ))),
            BaseImage::Unresolved { message, .. } => refs.push(Ref {
                node_start,
                written: logical.clone(),
                what: What::Invalid(message.clone()),
            }),
            BaseImage::Image(image) => {
                if raw != logical || stage.base_name != raw {
                    refs.push(skip(NOT_IN_PLACE.into()));
                } else {
                    refs.push(Ref {
                        node_start,
                        written: raw,
                        what: What::Image {
                            span: word.span.range(),
                            image: image.clone(),
                        },
                    });
                }
            }
        }
    }
    for stage in &model.stages {
        for step in &stage.steps {
            let ins = step.instruction;
            for found in flag_froms(&file, ins) {
                // What BuildKit makes of the value: for COPY the step's source, for a mount
                // the mount of this flag (absent when BuildKit would refuse the mount).
                let resolved: Result<Option<&SourceRef>, String> = match ins.kind {
                    Keyword::Copy => Ok(step.copy_from.as_ref()),
                    _ => match step.mounts.iter().find(|m| m.span == found.flag.span) {
                        Some(m) => Ok(m.from.as_ref()),
                        None => Err(model
                            .errors
                            .iter()
                            .find(|e| {
                                e.span.start >= found.flag.span.start
                                    && e.span.end <= found.flag.span.end
                            })
                            .map_or_else(|| "not a valid --mount".into(), |e| e.message.clone())),
                    },
                };
                let written = match (&found.value, &resolved) {
                    (Some(v), _) => v.clone(),
                    (None, Ok(Some(SourceRef::Image(image)))) => image.written.clone(),
                    (None, Ok(Some(SourceRef::Invalid { text, .. }))) => text.clone(),
                    (None, Ok(Some(SourceRef::Scratch))) => "scratch".into(),
                    // A stage, a mount without `from=`, or a refused mount: nothing to report.
                    (None, _) => continue,
                };
                if written.is_empty() {
                    continue;
                }
                let node_start = found
                    .span
                    .as_ref()
                    .map_or(found.flag.span.start, |s| s.start);
                let vars = vars_of(&written);
                let what = if !vars.is_empty() {
                    What::Skip(built_from(&vars))
                } else {
                    match resolved {
                        Ok(None | Some(SourceRef::Stage(_))) => continue,
                        Ok(Some(SourceRef::Scratch)) => What::Skip("scratch is no image".into()),
                        Ok(Some(SourceRef::Invalid { message, .. })) => {
                            What::Invalid(message.clone())
                        }
                        Err(message) => What::Invalid(message),
                        Ok(Some(SourceRef::Image(image))) => match &found.span {
                            Some(span) if image.written == written => What::Image {
                                span: span.clone(),
                                image: image.clone(),
                            },
                            _ => What::Skip(NOT_IN_PLACE.into()),
                        },
                    }
                };
                refs.push(Ref {
                    node_start,
                    written,
                    what,
                });
            }
        }
    }
    refs.sort_by_key(|r| r.node_start);
    Ok(refs)
}

/// The text of a scalar written at `span` when it can be edited in place: a plain scalar on
/// one line, or a quoted one without escapes; the byte range of the text without quotes.
fn scalar_text(text: &str, span: Range<usize>) -> Result<(Range<usize>, &str), &'static str> {
    let raw = &text[span.clone()];
    // A quoted scalar ends at its closing quote (the parser's span may run on to a comment).
    let closing = |q: u8| -> Option<usize> {
        let bytes = raw.as_bytes();
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if q == b'"' => i += 2,
                b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == q => return Some(i),
                _ => i += 1,
            }
        }
        None
    };
    let (inner, quote) = match raw.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => match closing(q) {
            Some(end) => (span.start + 1..span.start + end, Some(q as char)),
            None => return Err("an unterminated quoted scalar"),
        },
        Some(b'|' | b'>') => return Err("a block scalar"),
        _ => (span.start..span.start + raw.trim_end().len(), None),
    };
    let value = &text[inner.clone()];
    let edited_in_place = match quote {
        Some('"') => !value.contains(['\\', '\n', '\r']),
        Some(_) => !value.contains("''") && !value.contains(['\n', '\r']),
        None => !value.contains(['\n', '\r']),
    };
    if !edited_in_place {
        return Err("written with escapes or over several lines");
    }
    Ok((inner, value))
}

/// A YAML `image:` value written at `span` of `text`; `value` is what it means (after
/// Compose's interpolation), `None` for Kubernetes where no interpolation happens.
fn yaml_ref(text: &str, span: Range<usize>, value: Option<&str>, compose: bool) -> Ref {
    let node_start = span.start;
    let raw = text[span.clone()].to_string();
    let skip = |written: &str, reason: String| Ref {
        node_start,
        written: written.to_string(),
        what: What::Skip(reason),
    };
    let (inner, written) = match scalar_text(text, span) {
        Ok(found) => found,
        Err(why) => return skip(raw.trim(), format!("{why}, which seaworthy does not edit")),
    };
    if written.contains("{{") {
        return skip(written, "a template expression".into());
    }
    let vars: BTreeSet<String> = referenced_variables(written)
        .into_iter()
        .map(|v| v.name)
        .collect();
    if !vars.is_empty() {
        let s = if vars.len() == 1 { "" } else { "s" };
        let how = if compose {
            "interpolated from"
        } else {
            "built from"
        };
        return skip(written, format!("{how} variable{s} {}", names(&vars)));
    }
    if written.contains('$') {
        return skip(written, "written with `$`".into());
    }
    if let Some(v) = value {
        if v != written {
            return skip(written, format!("means {v:?} after interpolation"));
        }
    }
    match ImageRef::parse(written) {
        Ok(image) => Ref {
            node_start,
            written: written.to_string(),
            what: What::Image { span: inner, image },
        },
        Err(e) => Ref {
            node_start,
            written: written.to_string(),
            what: What::Invalid(e.message),
        },
    }
}

/// The `image:` of every service of a loaded Compose project, by file index. A service that
/// also has `build:` names the image Compose builds, which is no registry's to resolve.
pub fn compose_refs(project: &seaworthy_compose::Project) -> Vec<(usize, Ref)> {
    let mut out = Vec::new();
    for service in project.services.values() {
        let Some(image) = &service.image else {
            continue;
        };
        let file = image.origin.file;
        let text = &project.files[file].text;
        let span = image.origin.span.range();
        if span.end > text.len() || span.is_empty() {
            continue;
        }
        let mut r = yaml_ref(text, span, Some(&image.value), true);
        if service.build.is_some() {
            r.what = What::Skip(format!(
                "the image service {} builds (it has build:)",
                service.name
            ));
        }
        out.push((file, r));
    }
    out.sort_by_key(|(f, r)| (*f, r.node_start));
    out.dedup_by_key(|(f, r)| (*f, r.node_start));
    out
}

const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Whether a document is a Kubernetes-style object: `apiVersion` and `kind` at its top level.
fn is_kubernetes(doc: &yaml::Document) -> bool {
    doc.root.get("apiVersion").is_some() && doc.root.get("kind").is_some()
}

fn container_images<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if k.as_str().is_some_and(|k| CONTAINER_LISTS.contains(&k)) {
                    for c in v.as_seq().unwrap_or(&[]) {
                        if let Some(image) = c.get("image") {
                            out.push(image);
                        }
                    }
                }
                container_images(v, out);
            }
        }
        Value::Seq(items) => {
            for item in items {
                container_images(item, out);
            }
        }
        _ => {}
    }
}

/// The `image:` of every container (`containers`, `initContainers`, `ephemeralContainers` at
/// any depth) of the Kubernetes-style documents of a YAML file; `Ok(None)` when no document
/// is one.
pub fn kubernetes_refs(text: &str) -> Result<Option<Vec<Ref>>, yaml::YamlError> {
    let docs = yaml::parse_documents(text)?;
    if !docs.iter().any(is_kubernetes) {
        return Ok(None);
    }
    let mut nodes = Vec::new();
    for doc in docs.iter().filter(|d| is_kubernetes(d)) {
        container_images(&doc.root, &mut nodes);
    }
    let mut refs: Vec<Ref> = nodes
        .into_iter()
        .filter(|n| !n.span.is_empty() && n.span.end <= text.len())
        .map(|n| match &n.value {
            Value::String(_) => yaml_ref(text, n.span.range(), None, false),
            _ => Ref {
                node_start: n.span.start,
                written: text[n.span.range()].to_string(),
                what: What::Invalid("not a string".into()),
            },
        })
        .collect();
    // An alias repeats the anchored node, span included: one reference.
    refs.sort_by_key(|r| r.node_start);
    refs.dedup_by_key(|r| r.node_start);
    Ok(Some(refs))
}

/// Whether the scalar written at `start` of the YAML `text` now reads `expected`.
pub fn yaml_value_at(text: &str, start: usize, expected: &str) -> Result<bool, String> {
    fn find(node: &Node, start: usize, expected: &str) -> bool {
        match &node.value {
            Value::String(s) => node.span.start == start && s == expected,
            Value::Map(entries) => entries
                .iter()
                .any(|(k, v)| find(k, start, expected) || find(v, start, expected)),
            Value::Seq(items) => items.iter().any(|n| find(n, start, expected)),
            _ => false,
        }
    }
    let docs = yaml::parse_documents(text).map_err(|e| e.message)?;
    Ok(docs.iter().any(|d| find(&d.root, start, expected)))
}

/// Whether the FROM word, the `COPY --from` or the `--mount` `from=` at `start` of the
/// Dockerfile `text` now reads `expected`.
pub fn dockerfile_value_at(text: &str, start: usize, expected: &str) -> Result<bool, String> {
    let file = Dockerfile::parse(text.as_bytes()).map_err(|e| e.message)?;
    let found = file.instructions().any(|i| {
        let word = match &i.args {
            Args::Words(words) if i.kind == Keyword::From => words
                .first()
                .is_some_and(|w| w.span.start == start && file.logical(i, w.span) == expected),
            _ => false,
        };
        word || flag_froms(&file, i).iter().any(|f| {
            f.span.as_ref().is_some_and(|s| s.start == start)
                && f.value.as_deref() == Some(expected)
        })
    });
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(refs: &[Ref], text: &str) -> Vec<String> {
        refs.iter()
            .map(|r| match &r.what {
                What::Image { span, image } => {
                    assert_eq!(&text[span.clone()], r.written);
                    format!(
                        "image {} tag={:?} digest={}",
                        r.written,
                        image.tag,
                        image.digest.is_some()
                    )
                }
                What::Skip(why) => format!("skip {}: {why}", r.written),
                What::Invalid(why) => format!("invalid {}: {why}", r.written),
            })
            .collect()
    }

    #[test]
    fn dockerfile_from_lines() {
        let text = "# syntax=docker/dockerfile:1\n\
            ARG V=20\n\
            ARG BASE\n\
            FROM --platform=$BUILDPLATFORM node:20-alpine AS build\n\
            FROM node:${V} AS v\n\
            FROM $BASE\n\
            FROM build AS again\n\
            FROM scratch\n\
            FROM \\\n  registry.example:5000/team/app AS app\n\
            FROM python:3.12@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
            FROM \"alpine:3.20\"\n\
            FROM Not:Valid\n";
        let refs = dockerfile_refs(text).unwrap();
        assert_eq!(
            summary(&refs, text),
            [
                "image node:20-alpine tag=Some(\"20-alpine\") digest=false",
                "skip node:${V}: built from ARG V",
                "skip $BASE: built from ARG BASE",
                "skip build: a stage of this Dockerfile (build)",
                "skip scratch: scratch is no image",
                "image registry.example:5000/team/app tag=None digest=false",
                "image python:3.12@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
                 tag=Some(\"3.12\") digest=true",
                "skip \"alpine:3.20\": written with quotes, escapes or a line continuation inside \
                 the name",
                "invalid Not:Valid: failed to parse stage name \"Not:Valid\": invalid reference \
                 format: repository name (library/Not) must be lowercase",
            ]
        );
        // Positions are where the name starts, for `path:line:col`.
        assert_eq!(&text[refs[0].node_start..][..7], "node:20");
        // A file the parser refuses is an error, never a guess.
        assert_eq!(
            dockerfile_refs("FROM node:20\nRUN <<EOF\nunterminated").unwrap_err(),
            "2:1: error: unterminated heredoc"
        );
    }

    #[test]
    fn dockerfile_copy_from_and_mount_from() {
        let d = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
        let text = format!(
            "# syntax=docker/dockerfile:1\n\
             ARG TOOLS=alpine:3.20\n\
             FROM golang:1.22 AS build\n\
             copy --from=busybox:1.36 /bin/busybox /bin/busybox\n\
             RUN --mount=type=cache,target=/root/.cache,from=ghcr.io/o/cache:1,source=/c \\\n\
             \x20   go build\n\
             FROM alpine:3.20 AS Final\n\
             COPY --from=BUILD /out /out\n\
             COPY --from=0 /out /out2\n\
             COPY --link --from=$TOOLS --chmod=755 /bin/x /x\n\
             COPY --from=\"nginx:1.27\" /etc/nginx /etc/nginx\n\
             run --mount=target=/n,FROM=nginx:1.27,TYPE=bind true\n\
             RUN --mount=from=build,target=/b --mount=type=secret,id=s true\n\
             RUN --mount=type=bind,from=${{TOOLS}},target=/t true\n\
             RUN --mount='type=bind,\"from=redis:7\",target=/r' true\n\
             RUN --network=none --mount=from=final,target=/f --mount=target=/d,from=debian:12 true\n\
             COPY --from=scratch /x /x\n\
             COPY --from=7 /x /x\n\
             COPY --from=Not:Valid /x /x\n\
             COPY --from=nginx:1.27@{d} /y /y\n\
             FROM final\n"
        );
        let refs = dockerfile_refs(&text).unwrap();
        assert_eq!(
            summary(&refs, &text),
            [
                "image golang:1.22 tag=Some(\"1.22\") digest=false".to_string(),
                "image busybox:1.36 tag=Some(\"1.36\") digest=false".into(),
                "image ghcr.io/o/cache:1 tag=Some(\"1\") digest=false".into(),
                "image alpine:3.20 tag=Some(\"3.20\") digest=false".into(),
                "skip $TOOLS: built from ARG TOOLS".into(),
                "skip nginx:1.27: written with quotes, escapes or a line continuation inside \
                 the name"
                    .into(),
                "image nginx:1.27 tag=Some(\"1.27\") digest=false".into(),
                "skip ${TOOLS}: built from ARG TOOLS".into(),
                "skip redis:7: written with quotes, escapes or a line continuation inside the \
                 name"
                    .into(),
                "image debian:12 tag=Some(\"12\") digest=false".into(),
                "skip scratch: scratch is no image".into(),
                "invalid 7: invalid stage index 7".into(),
                "invalid Not:Valid: failed to parse stage name \"Not:Valid\": invalid reference \
                 format: repository name (library/Not) must be lowercase"
                    .into(),
                format!("image nginx:1.27@{d} tag=Some(\"1.27\") digest=true"),
                "skip final: a stage of this Dockerfile (final)".into(),
            ]
        );
        // Each editable value is found again where it is written, and only there.
        for r in &refs {
            if let What::Image { span, .. } = &r.what {
                assert_eq!(span.start, r.node_start);
                assert!(dockerfile_value_at(&text, r.node_start, &r.written).unwrap());
                assert!(!dockerfile_value_at(&text, r.node_start + 1, &r.written).unwrap());
            }
        }
        let at = text.find("cache:1").unwrap();
        let pinned = format!("{}@{d}{}", &text[..at + 7], &text[at + 7..]);
        let start = at - "ghcr.io/o/".len();
        assert!(dockerfile_value_at(&pinned, start, &format!("ghcr.io/o/cache:1@{d}")).unwrap());
        assert!(!dockerfile_value_at(&pinned, start, "ghcr.io/o/cache:1").unwrap());
    }

    #[test]
    fn dockerfile_with_backtick_escape_and_crlf() {
        let text = "# escape=`\r\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022 AS base\r\n\
                    FROM base\r\n\
                    COPY --from=mcr.microsoft.com/powershell:lts C:/a C:/b\r\n\
                    RUN --mount=from=base,target=C:/x --mount=target=C:/y,from=busy`\r\n\
                    box:1.36 dir\r\n";
        let refs = dockerfile_refs(text).unwrap();
        assert_eq!(
            summary(&refs, text),
            [
                "image mcr.microsoft.com/windows/nanoserver:ltsc2022 tag=Some(\"ltsc2022\") \
                 digest=false",
                "skip base: a stage of this Dockerfile (base)",
                "image mcr.microsoft.com/powershell:lts tag=Some(\"lts\") digest=false",
                "skip busybox:1.36: written with quotes, escapes or a line continuation inside \
                 the name",
            ]
        );
    }

    #[test]
    fn kubernetes_manifests() {
        let text = "apiVersion: apps/v1\n\
            kind: Deployment\n\
            spec:\n\
            \x20 template:\n\
            \x20   spec:\n\
            \x20     initContainers:\n\
            \x20       - name: init\n\
            \x20         image: \"busybox:1.36\"   # quoted\n\
            \x20     containers:\n\
            \x20       - name: app\n\
            \x20         image: &img ghcr.io/o/app:1.2\n\
            \x20       - name: same\n\
            \x20         image: *img\n\
            \x20       - name: var\n\
            \x20         image: ${IMAGE}\n\
            \x20       - name: tpl\n\
            \x20         image: '{{ .Values.image }}'\n\
            \x20       - name: esc\n\
            \x20         image: \"a\\u0062c:1\"\n\
            ---\n\
            apiVersion: batch/v1\n\
            kind: CronJob\n\
            spec:\n\
            \x20 jobTemplate:\n\
            \x20   spec:\n\
            \x20     template:\n\
            \x20       spec:\n\
            \x20         ephemeralContainers: [{name: dbg, image: 'alpine'}]\n\
            \x20         containers:\n\
            \x20         - {name: job, image: nginx:1.27@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb}\n\
            ---\n\
            # not Kubernetes: no kind\n\
            apiVersion: v1\n\
            containers: [{image: skipped:1}]\n";
        let refs = kubernetes_refs(text).unwrap().unwrap();
        assert_eq!(
            summary(&refs, text),
            [
                "image busybox:1.36 tag=Some(\"1.36\") digest=false",
                "image ghcr.io/o/app:1.2 tag=Some(\"1.2\") digest=false",
                "skip ${IMAGE}: built from variable IMAGE",
                "skip {{ .Values.image }}: a template expression",
                "skip \"a\\u0062c:1\": written with escapes or over several lines, which \
                 seaworthy does not edit",
                "image alpine tag=None digest=false",
                "image nginx:1.27@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb \
                 tag=Some(\"1.27\") digest=true",
            ]
        );
        // Not Kubernetes at all.
        assert_eq!(kubernetes_refs("a: 1\n---\nb: [2]\n").unwrap(), None);
        assert!(kubernetes_refs("a: [\n").is_err());
    }

    #[test]
    fn compose_services() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("compose.yaml");
        std::fs::write(
            &main,
            "x-base: &base\n\
             \x20 image: &pg \"postgres:16\"\n\
             services:\n\
             \x20 web:\n\
             \x20   image: nginx:1.27 # the proxy\n\
             \x20 db:\n\
             \x20   <<: *base\n\
             \x20 db2:\n\
             \x20   image: *pg\n\
             \x20 app:\n\
             \x20   build: .\n\
             \x20   image: ghcr.io/o/app:1\n\
             \x20 env:\n\
             \x20   image: ${IMG:-redis:7}\n\
             \x20 tools:\n\
             \x20   profiles: [debug]\n\
             \x20   image: 'busybox'\n\
             \x20 base:\n\
             \x20   extends: {file: base.yaml, service: b}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("base.yaml"),
            "services:\n  b:\n    image: alpine:3.20\n",
        )
        .unwrap();
        let project = seaworthy_compose::load(&seaworthy_compose::Options {
            files: vec![main.clone()],
            working_dir: dir.path().to_path_buf(),
            profiles: vec!["*".into()],
            consistency: false,
            ..Default::default()
        })
        .unwrap();
        let refs = compose_refs(&project);
        let shown: Vec<(String, String)> = refs
            .iter()
            .map(|(f, r)| {
                let name = project.files[*f]
                    .path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (
                    name,
                    summary(std::slice::from_ref(r), &project.files[*f].text)[0].clone(),
                )
            })
            .collect();
        let want = [
            (
                "compose.yaml",
                "image postgres:16 tag=Some(\"16\") digest=false",
            ),
            (
                "compose.yaml",
                "image nginx:1.27 tag=Some(\"1.27\") digest=false",
            ),
            (
                "compose.yaml",
                "skip ghcr.io/o/app:1: the image service app builds (it has build:)",
            ),
            (
                "compose.yaml",
                "skip ${IMG:-redis:7}: interpolated from variable IMG",
            ),
            ("compose.yaml", "image busybox tag=None digest=false"),
            (
                "base.yaml",
                "image alpine:3.20 tag=Some(\"3.20\") digest=false",
            ),
        ];
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut got = shown;
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn values_are_found_again_after_an_edit() {
        let yaml = "a:\n  image: \"x:1@sha256:00\" # c\n";
        assert!(yaml_value_at(yaml, 12, "x:1@sha256:00").unwrap());
        assert!(!yaml_value_at(yaml, 12, "x:1").unwrap());
        assert!(yaml_value_at("a: [\n", 0, "x").is_err());
        let df = "FROM a:1@sha256:00 AS b\n";
        assert!(dockerfile_value_at(df, 5, "a:1@sha256:00").unwrap());
        assert!(!dockerfile_value_at(df, 5, "a:1").unwrap());
    }
}
