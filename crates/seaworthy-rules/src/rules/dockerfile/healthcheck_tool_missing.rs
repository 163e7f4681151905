use seaworthy_dockerfile::model::Healthcheck;
use seaworthy_dockerfile::shell::{Dialect, Script};
use seaworthy_dockerfile::{Args, BaseImage, Expanded, Keyword, Span, Stage};

use super::toolchain_in_final_image::{package_install, package_name};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image's `HEALTHCHECK` runs `curl` or `wget`, the base image is one known not to
/// ship that tool, and no stage the image is built from installs it, runs it or copies it in.
///
/// Known bases (a small, explicit table; any other image is assumed to have the tool):
/// - `scratch`, `gcr.io/distroless/*`, `cgr.dev/chainguard/*` (except `-dev` tags): neither
///   (distroless `:debug` tags have busybox's wget);
/// - `debian`, `ubuntu`: neither;
/// - `alpine`, `busybox`: wget (busybox), no curl;
/// - the official `python`, `node`, `ruby`, `golang`, `rust`, `perl`, `buildpack-deps`
///   images: `-slim` tags have neither, `-alpine` tags busybox's wget only, full tags (built on
///   buildpack-deps) both.
pub struct HealthcheckToolMissing;

static META: RuleMeta = RuleMeta {
    id: "SW1110",
    name: "healthcheck-tool-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 3,
    aliases: &[],
    summary: "The HEALTHCHECK runs curl or wget, which the image does not have.",
    why: "A healthcheck whose program is missing fails every time (`exec: \"curl\": executable \
          file not found`), so the container is marked unhealthy for ever: orchestrators that \
          trust the status restart it or never route traffic to it, and `depends_on: \
          condition: service_healthy` waits for good. Slim and distroless bases ship neither \
          curl nor wget, and Alpine only has busybox's wget. Install the tool in the final \
          stage, copy a static binary in, or probe with what the image has (`python -c \
          \"import urllib.request; …\"`, `node -e …`, the application's own health \
          subcommand). Only base images known not to ship the tool are judged; for any other \
          image the rule stays silent.",
    bad: "FROM python:3.12.7-slim\nHEALTHCHECK --start-period=10s CMD curl -f http://localhost:8000/health || exit 1\n",
    good: "FROM python:3.12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n\
           HEALTHCHECK --start-period=10s CMD curl -f http://localhost:8000/health || exit 1\n",
};

const TOOLS: &[&str] = &["curl", "wget"];

impl DockerfileRule for HealthcheckToolMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let chain = cx.runtime_chain();
        // The effective HEALTHCHECK: the last one in the final stage or, failing that, in the
        // stages it is built on.
        let Some((span, check)) = chain.iter().find_map(|stage| {
            stage.steps.iter().rev().find_map(|step| {
                if step.instruction.kind != Keyword::Healthcheck {
                    return None;
                }
                match &step.expanded {
                    Expanded::Healthcheck(h) => Some((command_span(step.instruction), h)),
                    _ => None,
                }
            })
        }) else {
            return;
        };
        if check.disabled {
            return;
        }
        let Some(root) = chain.last() else { return };
        for tool in used_tools(check) {
            if !base_lacks(root, tool) || provided(&chain, tool) {
                continue;
            }
            out.push(Finding::new(
                &META,
                span,
                format!(
                    "the HEALTHCHECK runs `{tool}`, but the base image `{}` does not ship it \
                     and no stage installs it: the check will always fail",
                    root.base_name
                ),
            ));
        }
    }
}

fn command_span(ins: &seaworthy_dockerfile::Instruction) -> Span {
    match &ins.args {
        Args::Healthcheck { command, .. } => match &**command {
            Args::String(a) => a.span,
            Args::Json { span, .. } => *span,
            _ => ins.keyword,
        },
        _ => ins.keyword,
    }
}

/// The downloaders the check runs, directly or through a shell.
fn used_tools(check: &Healthcheck) -> Vec<&'static str> {
    let script = if check.shell_form {
        check.command.first().cloned()
    } else {
        match check.command.as_slice() {
            [shell, flag, script, ..]
                if Dialect::from_shell(shell).is_analysed() && flag == "-c" =>
            {
                Some(script.clone())
            }
            [program, ..] => {
                let base = program.rsplit('/').next().unwrap_or(program);
                return TOOLS.iter().copied().filter(|t| *t == base).collect();
            }
            [] => None,
        }
    };
    let Some(script) = script else {
        return Vec::new();
    };
    let parsed = Script::parse(&script, Dialect::Posix);
    TOOLS
        .iter()
        .copied()
        .filter(|t| parsed.commands_named(t).next().is_some())
        .collect()
}

/// Whether the image the chain starts from is known not to ship `tool`.
fn base_lacks(root: &Stage<'_>, tool: &str) -> bool {
    let image = match &root.base {
        BaseImage::Scratch => return true,
        BaseImage::Image(image) => image,
        _ => return false,
    };
    let repo = image.repository.as_str();
    let tag = image.tag.as_deref().unwrap_or("latest");
    let registry = image.registry.as_str();
    let (has_curl, has_wget) = if registry == "gcr.io" && repo.starts_with("distroless/") {
        (false, tag.contains("debug"))
    } else if registry == "cgr.dev" {
        if tag.ends_with("-dev") {
            return false;
        }
        (false, false)
    } else if registry == "docker.io" {
        match repo.strip_prefix("library/") {
            Some("debian" | "ubuntu") => (false, false),
            Some("alpine" | "busybox") => (false, true),
            Some("python" | "node" | "ruby" | "golang" | "rust" | "perl" | "buildpack-deps") => {
                if tag.contains("alpine") {
                    (false, true)
                } else if tag.contains("slim") {
                    (false, false)
                } else if tag.contains("windowsservercore") || tag.contains("nanoserver") {
                    return false;
                } else {
                    (true, true)
                }
            }
            _ => return false,
        }
    } else {
        return false;
    };
    match tool {
        "curl" => !has_curl,
        _ => !has_wget,
    }
}

/// Whether a stage of the chain installs `tool`, runs it in a RUN, or copies a file named
/// after it.
fn provided(chain: &[&Stage<'_>], tool: &str) -> bool {
    chain.iter().any(|stage| {
        stage.steps.iter().any(|step| {
            if let Expanded::Copy(copy) | Expanded::Add(copy) = &step.expanded {
                let named = |p: &str| p.trim_end_matches('/').rsplit('/').next() == Some(tool);
                if copy.sources.iter().any(|s| named(s)) || named(&copy.dest) {
                    return true;
                }
            }
            let Some(script) = step.run.as_ref().and_then(|r| r.script()) else {
                return false;
            };
            script.commands.iter().any(|cmd| {
                cmd.name_str() == Some(tool)
                    || package_install(cmd).is_some_and(|i| {
                        i.packages.iter().any(|w| {
                            let name = package_name(w);
                            name == tool || (tool == "wget" && name == "busybox")
                        })
                    })
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&HealthcheckToolMissing);
    }

    #[test]
    fn fires() {
        let r = &HealthcheckToolMissing;
        assert_fires(
            r,
            "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node:22-alpine\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://localhost/\"]\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian:12\nHEALTHCHECK CMD [\"sh\", \"-c\", \"wget -qO- http://localhost/ || exit 1\"]\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM gcr.io/distroless/static-debian12\nCOPY app /app\nHEALTHCHECK CMD [\"/usr/bin/wget\", \"-q\", \"http://localhost/\"]\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM golang:1.23 AS build\nRUN curl -o /x https://x\nFROM scratch\nCOPY --from=build /app /app\nHEALTHCHECK \\\n  CMD curl -f http://localhost/\n",
            &[6],
        );
        // Inherited from the stage the final one is built on.
        assert_fires(
            r,
            "FROM ubuntu:24.04 AS base\nHEALTHCHECK CMD curl -f http://localhost/\nFROM base\nCMD [\"app\"]\n",
            &[2],
        );
        // Installed in a build stage that only feeds COPY --from does not count.
        assert_fires(
            r,
            "FROM alpine AS tools\nRUN apk add curl\nFROM alpine:3.20\nHEALTHCHECK CMD curl -f http://localhost/\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        let r = &HealthcheckToolMissing;
        assert_clean(
            r,
            "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\nHEALTHCHECK CMD curl -f http://localhost/\n",
        );
        assert_clean(
            r,
            "FROM alpine:3.20\nHEALTHCHECK CMD wget -qO- http://localhost/ || exit 1\n",
        );
        assert_clean(
            r,
            "FROM python:3.12\nHEALTHCHECK CMD curl -f http://localhost/\n",
        );
        assert_clean(
            r,
            "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n",
        );
        assert_clean(
            r,
            "FROM registry.example.com/base:1\nHEALTHCHECK CMD curl -f http://localhost/\n",
        );
        assert_clean(
            r,
            "FROM gcr.io/distroless/base\nCOPY --from=curlimages/curl:8.10.1 /usr/bin/curl /usr/bin/curl\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://localhost/\"]\n",
        );
        assert_clean(
            r,
            "FROM debian:12-slim AS base\nRUN apt-get install -y --no-install-recommends wget\nFROM base\nHEALTHCHECK CMD wget -q http://localhost/\n",
        );
        assert_clean(
            r,
            "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost/\nHEALTHCHECK NONE\n",
        );
        assert_clean(
            r,
            "FROM python:3.12-slim\nHEALTHCHECK CMD [\"python\", \"-c\", \"import urllib.request as u; u.urlopen('http://localhost/')\"]\n",
        );
    }
}
