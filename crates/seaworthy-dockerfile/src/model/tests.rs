//! Test helpers shared by the model's test modules, and tests of the model as a whole.

use super::*;
use crate::span::Position;

pub(super) fn parse(src: &str) -> Dockerfile {
    Dockerfile::parse(src.as_bytes().to_vec()).expect("test Dockerfile parses")
}

pub(super) fn pos(line: usize, column: usize) -> Position {
    Position { line, column }
}

pub(super) fn image(base: &BaseImage) -> &ImageRef {
    match base {
        BaseImage::Image(r) => r,
        other => panic!("expected an image, got {other:?}"),
    }
}

#[test]
fn errors_do_not_stop_the_model() {
    let file = parse("FROM alpine\nFOO bar\nRUN --bogus true\nUSER app\nRUN id\n");
    let model = Model::build(&file, &BuildOptions::default());
    assert_eq!(model.errors.len(), 2);
    let steps = &model.stages[0].steps;
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[3].in_effect.user.as_ref().unwrap().value, "app");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of Dockerfiles, valid and not, to assemble at random.
    const FRAGMENTS: &[&[u8]] = &[
        b"FROM alpine AS base\n",
        b"FROM base\n",
        b"FROM ${IMG:-x} AS \xc3\x9cn\xc3\xaf\n",
        b"FROM --platform=$BUILDPLATFORM golang:${V}\n",
        b"FROM scratch\n",
        b"ARG V=1.22 IMG\n",
        b"ARG =\n",
        b"ENV A=$V B=${A:?no} C\n",
        b"ENV K V W\n",
        b"LABEL a=b\n",
        b"USER ${U:-app}:$G\n",
        b"WORKDIR ../x/./y\n",
        b"WORKDIR\n",
        b"SHELL [\"pwsh\", \"-c\"]\n",
        b"SHELL [\"/bin/bash\", \"-c\"]\n",
        b"RUN a && \\\n  b | c; \\\n# note\n  d\n",
        b"RUN --mount=type=cache,target=/c,from=base --network=none x\n",
        b"RUN --mount=type=secret,\"id=a,b\" --mount=from=$X y\n",
        b"RUN <<EOF\n#!/bin/sh\necho \xc3\xa9\nEOF\n",
        b"RUN <<-EOF bash\n\techo x\n\tEOF\n",
        b"RUN cat <<A <<B\na\nA\nb\nB\n",
        b"RUN [\"a\", \"b\"]\n",
        b"COPY --from=0 --chown=$U a b/\n",
        b"COPY --from=base <<EOF /x\nhi\nEOF\n",
        b"COPY --from=nope/Bad:tag a b\n",
        b"ADD --checksum=$S http://x/y /z\n",
        b"EXPOSE 80 $P/udp 1-2\n",
        b"VOLUME [\"/a\"]\n",
        b"HEALTHCHECK --interval=1.5h30m CMD [\"x\"]\n",
        b"HEALTHCHECK --retries=99999999999 CMD x\n",
        b"STOPSIGNAL SIGRTMIN+3\n",
        b"ONBUILD RUN x \\\n y\n",
        b"ONBUILD ONBUILD x\n",
        b"MAINTAINER me\n",
        b"BOGUS x\n",
        b"\n",
        b"# comment\n",
        b"RUN \xe2\x82 broken utf8\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_file_is_modelled_without_panicking(
            picks in proptest::collection::vec(0..FRAGMENTS.len(), 1..24),
            target in proptest::option::of("[a-zA-Z]{0,6}"),
        ) {
            let src: Vec<u8> = picks.iter().flat_map(|&i| FRAGMENTS[i].iter().copied()).collect();
            let Ok(file) = Dockerfile::parse(src) else {
                return Ok(());
            };
            let options = BuildOptions { target, ..BuildOptions::default() };
            let model = Model::build(&file, &options);
            let len = file.source().len();
            for e in &model.errors {
                prop_assert!(e.span.end <= len);
            }
            for (i, stage) in model.stages.iter().enumerate() {
                let _ = model.variables_at_end(i).in_effect();
                for (j, step) in stage.steps.iter().enumerate() {
                    let _ = model.variables_before(i, j).in_effect();
                    let Some(run) = &step.run else { continue };
                    if let Some(script) = run.script() {
                        for c in &script.commands {
                            let span = run.source_span(c.span.clone());
                            prop_assert!(span.start <= span.end && span.end <= len);
                        }
                    }
                    for k in 0..=run.text.len() {
                        prop_assert!(run.source_offset(k) <= len);
                    }
                }
            }
            let _ = model.stages_needed_by_target();
        }
    }
}
