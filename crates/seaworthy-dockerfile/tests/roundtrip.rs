//! Round-trip property: for generated Dockerfile-like inputs, parsing never panics and every
//! accepted file prints back byte for byte, with only white space outside the tree's tokens.

use proptest::prelude::*;
use seaworthy_dockerfile::{dump::dump, Dockerfile, TokenKind};

/// Pieces real Dockerfiles are made of, including the awkward ones.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM alpine:3.20 AS build".to_string()),
        Just("FROM --platform=$BUILDPLATFORM golang:1.22".to_string()),
        Just("RUN apt-get update && apt-get install -y curl".to_string()),
        Just("RUN [\"echo\", \"a\\\"b\"]".to_string()),
        Just("RUN ['bad json']".to_string()),
        Just("RUN --mount=type=cache,target=/root/.cache \"quoted flag\"".to_string()),
        Just("CMD [\"a\", 1]".to_string()),
        Just("COPY --from=build --chown=1:1 a b /c/".to_string()),
        Just("ADD [\"x\", \"y\"]".to_string()),
        Just("ENV A=1 B=\"two words\" C=a\\ b".to_string()),
        Just("ENV LEGACY value with spaces".to_string()),
        Just("ENV NOVALUE".to_string()),
        Just("ARG A B=2 C=\"x y\"".to_string()),
        Just("LABEL a=b \"c d\"=e".to_string()),
        Just("HEALTHCHECK --interval=5s CMD curl -f http://localhost/".to_string()),
        Just("HEALTHCHECK NONE".to_string()),
        Just("ONBUILD RUN make".to_string()),
        Just("USER 1000:1000".to_string()),
        Just("WORKDIR /app".to_string()),
        Just("EXPOSE 80 443/tcp".to_string()),
        Just("RUN <<EOF".to_string()),
        Just("COPY <<-'A' <<B /dst".to_string()),
        Just("EOF".to_string()),
        Just("\tA".to_string()),
        Just("B".to_string()),
        Just("# comment".to_string()),
        Just("# escape=`".to_string()),
        Just("# syntax=docker/dockerfile:1".to_string()),
        Just("   ".to_string()),
        Just("\\".to_string()),
        Just("`".to_string()),
        Just("BOGUS instruction".to_string()),
        Just("caf\u{e9} \u{a0} \u{3000}".to_string()),
        "[ -~]{0,20}".prop_map(|s| s),
    ]
}

fn line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("\n"),
        Just("\r\n"),
        Just(" \\\n"),
        Just("\\\n"),
        Just(" `\n"),
        Just(" \\ \t\n"),
        Just("\\\\\n"),
        Just(""),
    ]
}

fn dockerfile() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((fragment(), line_end()), 0..24),
    )
        .prop_map(|(bom, lines)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (text, end) in lines {
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(end.as_bytes());
            }
            out
        })
}

fn check(src: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(file) = Dockerfile::parse(src.to_vec()) {
        prop_assert_eq!(file.reprint(), src.to_vec());
        for t in file.tokens() {
            if t.kind == TokenKind::Trivia {
                let text = file.slice(t.span);
                prop_assert!(
                    text.chars().all(char::is_whitespace),
                    "non-space trivia {:?}",
                    text
                );
            }
        }
        let _ = dump(&file);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn generated_files_round_trip(src in dockerfile()) {
        check(&src)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(src in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Dockerfile::parse(src);
    }
}
