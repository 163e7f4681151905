use seaworthy_dockerfile::Span;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// An `EXPOSE` word that is not a container port: a number above 65535 (alone or as either
/// end of a range), or a `host:container` mapping or IP address (`8080:80`,
/// `127.0.0.1:80:80`), judged after variable expansion, in every stage. Ranges such as
/// `8000-8010` are valid.
///
/// BuildKit refuses to build a port above 65535, so `seaworthy check` reports that file as a
/// build error first; the rule still says it for callers that lint such files.
pub struct ExposeInvalid;

static META: RuleMeta = RuleMeta {
    id: "SW1540",
    name: "expose-invalid",
    severity: Severity::Error,
    category: Category::Correctness,
    practice: 0,
    aliases: &[
        "DL3011",
        "DS-0008",
        "DS008",
        "AVD-DS-0008",
        "ExposeInvalidFormat",
    ],
    summary: "EXPOSE names something that is not a container port (above 65535, or a host \
              mapping or IP address).",
    why: "Ports are 16-bit: a number above 65535 makes the build fail. `EXPOSE` only records \
          which ports the container listens on; it cannot publish or bind anything, so an IP \
          address or a `host:container` mapping in it is silently reduced to the container \
          port today (BuildKit warns that it will become an error) and misleads the reader \
          into thinking the port is published. Publish ports where the container is run: \
          `docker run -p`, Compose `ports:` or a Kubernetes Service.",
    bad: "FROM nginx:1.27.2-alpine\nEXPOSE 127.0.0.1:8080:80\n",
    good: "FROM nginx:1.27.2-alpine\nEXPOSE 80\n",
};

impl DockerfileRule for ExposeInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for (span, port) in super::expose_ports(cx) {
            if let Some(finding) = judge(&port, span) {
                out.push(finding);
            }
        }
    }
}

fn judge(port: &str, span: Span) -> Option<Finding> {
    let container = port.rsplit(':').next().unwrap_or(port);
    let number = container.split('/').next().unwrap_or(container);
    let out_of_range = number
        .split('-')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .any(|n| n.parse::<u32>().map_or(true, |n| n > 65535));
    let message = if out_of_range {
        format!("EXPOSE {port}: ports range from 0 to 65535")
    } else if container.len() < port.len() {
        format!(
            "EXPOSE {port} defines an IP address or host-port mapping, which EXPOSE cannot \
             publish; write `EXPOSE {container}` and publish the port where the container runs"
        )
    } else {
        return None;
    };
    Some(Finding::new(&META, span, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    /// Lines reported on a file BuildKit would refuse (the usual helper insists on none).
    fn lines_even_with_build_errors(src: &str) -> Vec<usize> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        assert!(!model.errors.is_empty(), "expected a build error:\n{src}");
        let settings = Settings::default();
        let cx = DockerfileContext {
            file: &file,
            model: &model,
            settings: &settings,
            build_context: None,
        };
        let mut out = Vec::new();
        ExposeInvalid.check(&cx, &mut out);
        out.iter()
            .map(|f| file.position(f.span.start).line)
            .collect()
    }

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ExposeInvalid);
    }

    #[test]
    fn fires() {
        let rule = &ExposeInvalid;
        assert_fires(rule, "FROM alpine\nEXPOSE 8080:80\n", &[2]);
        assert_fires(rule, "FROM alpine\nEXPOSE 80 127.0.0.1:8080:80/udp\n", &[2]);
        assert_fires(rule, "FROM alpine\nEXPOSE [::1]:8080:80\n", &[2]);
        assert_fires(rule, "FROM alpine\nARG MAP=8080:80\nEXPOSE ${MAP}\n", &[3]);
        // Continuation lines: the word on the second line is reported there.
        assert_fires(rule, "FROM alpine\nEXPOSE 80 \\\n  443:443\n", &[3]);
        // Every stage, not only the final one.
        assert_fires(
            rule,
            "FROM alpine AS build\nEXPOSE 3000:3000\nFROM alpine\nEXPOSE 80\n",
            &[2],
        );
        assert_eq!(
            lines_even_with_build_errors("FROM alpine\nEXPOSE 80 70000\n"),
            [2]
        );
        assert_eq!(
            lines_even_with_build_errors("FROM alpine\nEXPOSE 8000-70000/tcp\n"),
            [2]
        );
        assert_eq!(
            lines_even_with_build_errors("FROM alpine\nARG P=99999\nEXPOSE $P\n"),
            [3]
        );
        let msg = &findings(rule, "FROM alpine\nEXPOSE 8080:80\n")[0].1;
        assert!(msg.contains("`EXPOSE 80`"), "{msg}");
    }

    #[test]
    fn passes() {
        let rule = &ExposeInvalid;
        assert_clean(rule, "FROM alpine\nEXPOSE 80 443/tcp 53/udp 0 65535\n");
        assert_clean(rule, "FROM alpine\nEXPOSE 8000-8010\n");
        assert_clean(rule, "FROM alpine\nARG PORTS=\"80 443\"\nEXPOSE $PORTS\n");
        assert_clean(rule, "FROM alpine\nEXPOSE 80/TCP\n");
        assert_clean(rule, "FROM alpine\nONBUILD EXPOSE 80\n");
    }
}
