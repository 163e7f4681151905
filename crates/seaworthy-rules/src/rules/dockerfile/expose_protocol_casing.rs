use seaworthy_dockerfile::Span;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Edit, Finding, Fix, RuleMeta, Severity};

/// An `EXPOSE`d port whose protocol is not written in lower case (`80/TCP`, `53/Udp`), after
/// variable expansion, in every stage. A protocol written literally is fixed in place.
pub struct ExposeProtocolCasing;

static META: RuleMeta = RuleMeta {
    id: "SW1541",
    name: "expose-protocol-casing",
    severity: Severity::Style,
    category: Category::Correctness,
    practice: 0,
    aliases: &["ExposeProtoCasing"],
    summary: "The protocol of an EXPOSEd port is not lower case.",
    why: "Docker accepts `80/TCP` and stores it as `80/tcp`, so the image's metadata and \
          `docker inspect` show something other than what the Dockerfile says, and tools that \
          compare port specs as text (Compose overrides, policy checks, greps in CI) treat \
          `80/TCP` and `80/tcp` as different ports. Write `tcp`, `udp` and `sctp` in lower \
          case.",
    bad: "FROM alpine:3.20.3\nEXPOSE 53/UDP\n",
    good: "FROM alpine:3.20.3\nEXPOSE 53/udp\n",
};

impl DockerfileRule for ExposeProtocolCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for (span, port) in super::expose_ports(cx) {
            let container = port.rsplit(':').next().unwrap_or(&port);
            let Some((_, proto)) = container.split_once('/') else {
                continue;
            };
            let lower = proto.to_ascii_lowercase();
            if proto == lower || !matches!(lower.as_str(), "tcp" | "udp" | "sctp") {
                continue;
            }
            let mut finding = Finding::new(
                &META,
                span,
                format!("protocol `{proto}` of EXPOSE {port} should be lower case: `{lower}`"),
            );
            if let Some(fix) = literal_fix(&cx.file.slice(span), span, proto) {
                finding = finding.with_fix(fix);
            }
            out.push(finding);
        }
    }
}

/// Lower-cases the protocol in place when the word is written out in full on one line.
fn literal_fix(written: &str, span: Span, proto: &str) -> Option<Fix> {
    if written.contains(['$', '\\', '`', '"', '\'', '\n']) || !written.ends_with(proto) {
        return None;
    }
    let start = span.end - proto.len();
    Some(Fix {
        title: format!("write `{}`", proto.to_ascii_lowercase()),
        edits: vec![Edit {
            span: Span::new(start, span.end),
            replacement: proto.to_ascii_lowercase(),
        }],
        safe: true,
        writes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ExposeProtocolCasing);
    }

    #[test]
    fn fires() {
        let rule = &ExposeProtocolCasing;
        assert_fires(rule, "FROM alpine\nEXPOSE 80/TCP\n", &[2]);
        assert_fires(rule, "FROM alpine\nEXPOSE 80/tcp 53/Udp 9/SCTP\n", &[2, 2]);
        assert_fires(rule, "FROM alpine\nEXPOSE 7000-7002/TCP\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG P=8080/TCP\nEXPOSE $P\n", &[3]);
        assert_fires(rule, "FROM alpine\nEXPOSE 80 \\\n    443/TCP\n", &[3]);
        assert_fires(
            rule,
            "FROM alpine AS a\nEXPOSE 1/UDP\nFROM alpine\nEXPOSE 2/udp\n",
            &[2],
        );
        assert!(findings(rule, "FROM alpine\nEXPOSE 53/Udp\n")[0]
            .1
            .contains("`udp`"));
    }

    #[test]
    fn fix_lowercases_a_literal_protocol() {
        use crate::testing::{assert_fix, assert_no_fix};
        use crate::FixKind;
        assert_fix(
            &ExposeProtocolCasing,
            "FROM alpine\nEXPOSE 80 53/UDP 54/Tcp\n",
            "FROM alpine\nEXPOSE 80 53/udp 54/tcp\n",
            FixKind::Safe,
        );
        // A protocol that comes from a variable cannot be fixed in place.
        assert_no_fix(&ExposeProtocolCasing, "FROM alpine\nARG P=53/UDP\nEXPOSE $P\n");
    }

    #[test]
    fn passes() {
        let rule = &ExposeProtocolCasing;
        assert_clean(rule, "FROM alpine\nEXPOSE 80 80/tcp 53/udp 9/sctp\n");
        assert_clean(rule, "FROM alpine\nEXPOSE 8000-8010\n");
        assert_clean(rule, "FROM alpine\nONBUILD EXPOSE 80/TCP\n");
    }
}
