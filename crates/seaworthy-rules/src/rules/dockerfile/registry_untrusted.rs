use seaworthy_dockerfile::{BaseImage, ImageRef, SourceRef, Span};

use super::base_image_unpinned::base_word;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// An image is pulled from a registry outside the `trusted_registries` setting: a stage's
/// base (after `ARG` expansion), `COPY --from=image` or `RUN --mount=from=image`. Silent when
/// no registry is configured.
pub struct RegistryUntrusted;

static META: RuleMeta = RuleMeta {
    id: "SW1220",
    name: "registry-untrusted",
    severity: Severity::Error,
    category: Category::Supply,
    practice: 21,
    aliases: &["DL3026"],
    summary: "An image comes from a registry that is not in the trusted list.",
    why: "Every image a build pulls runs its code in your build and usually ships in your \
          image. An organisation that mirrors, scans and signs what it uses keeps that \
          promise only if Dockerfiles pull from its own registries: one `FROM \
          someone/tool` from an arbitrary registry bypasses the scanning, the licence review \
          and the availability guarantees of the mirror. Set `trusted-registries` in the \
          `[settings]` of .seaworthy.toml, or `trustedRegistries` in .hadolint.yaml (globs \
          such as `*.gcr.io` are allowed); images without a registry come from `docker.io`. \
          `scratch` and references to earlier stages pull nothing and are never reported; \
          the base is judged after `ARG` expansion, and a base that waits for a \
          `--build-arg` is not judged. The rule is silent until registries are configured.",
    bad: "FROM quay.io/someone/python:3.12.7\nCOPY app /app\n",
    good: "FROM registry.example.com/base/python:3.12.7\nCOPY app /app\n",
};

impl DockerfileRule for RegistryUntrusted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let trusted = &cx.settings.trusted_registries;
        if trusted.is_empty() {
            return;
        }
        let mut report = |image: &ImageRef, span: Span| {
            if !is_trusted(trusted, &image.registry) {
                out.push(Finding::new(
                    &META,
                    span,
                    format!(
                        "`{}` comes from `{}`, which is not a trusted registry ({})",
                        image.familiar(),
                        image.registry,
                        trusted.join(", ")
                    ),
                ));
            }
        };
        for stage in &cx.model.stages {
            if let BaseImage::Image(image) = &stage.base {
                if stage.base_undefined.is_empty() {
                    report(image, base_word(stage));
                }
            }
            for step in &stage.steps {
                if let Some(SourceRef::Image(image)) = &step.copy_from {
                    let span = step
                        .instruction
                        .flags
                        .iter()
                        .rfind(|f| f.name() == "from")
                        .map_or(step.instruction.keyword, |f| f.span);
                    report(image, span);
                }
                for mount in &step.mounts {
                    if let Some(SourceRef::Image(image)) = &mount.from {
                        report(image, mount.span);
                    }
                }
            }
        }
    }
}

/// Docker Hub answers to several names; a trusted list may use any of them.
const DOCKER_HUB_NAMES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "hub.docker.com",
];

/// Whether `registry` matches one of the `trusted` patterns (`*` matches any run of
/// characters; names compare case-insensitively).
fn is_trusted(trusted: &[String], registry: &str) -> bool {
    let registry = registry.to_ascii_lowercase();
    let hub = DOCKER_HUB_NAMES.contains(&registry.as_str());
    trusted.iter().any(|pattern| {
        let pattern = pattern.trim().to_ascii_lowercase();
        if hub && DOCKER_HUB_NAMES.contains(&pattern.as_str()) {
            return true;
        }
        glob_match(&pattern, &registry)
    })
}

/// `*`-only glob matching.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    if !text.ends_with(last) {
        return false;
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    fn trusting(registries: &[&str]) -> Settings {
        Settings {
            trusted_registries: registries.iter().map(|r| (*r).to_owned()).collect(),
            ..Settings::default()
        }
    }

    #[test]
    fn documented_examples() {
        // The documented examples assume `registry.example.com` is the trusted registry.
        let settings = trusting(&["registry.example.com"]);
        assert!(!findings_with(&RegistryUntrusted, META.bad, &settings, None).is_empty());
        assert!(findings_with(&RegistryUntrusted, META.good, &settings, None).is_empty());
        // Silent without configuration.
        assert_clean(&RegistryUntrusted, META.bad);
    }

    #[test]
    fn fires() {
        let rule = &RegistryUntrusted;
        let corp = trusting(&["registry.example.com", "*.gcr.io"]);
        // No registry written: docker.io.
        assert_fires_with(rule, &corp, None, "FROM python:3.12.7\n", &[1]);
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM docker.io/library/python:3.12.7\n",
            &[1],
        );
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM gcr.io/distroless/static:nonroot\n",
            &[1],
        );
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM registry.example.com.evil.io/app:1.0.0\n",
            &[1],
        );
        // After ARG expansion.
        assert_fires_with(
            rule,
            &corp,
            None,
            "ARG REGISTRY=quay.io\nFROM ${REGISTRY}/org/app:1.0.0\n",
            &[2],
        );
        // Images pulled by COPY --from and RUN --mount.
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM registry.example.com/app:1.0.0 AS build\n\
             COPY --from=quay.io/org/tool:1.2.3 /bin/tool /bin/tool\n\
             RUN --mount=type=bind,from=ghcr.io/org/src:1.0.0,target=/src \\\n  make -C /src\n\
             FROM registry.example.com/app:1.0.0\nCOPY --from=build /out /out\n",
            &[2, 3],
        );
        let found = findings_with(rule, "FROM python:3.12.7\n", &corp, None);
        assert!(found[0].1.contains("`docker.io`"), "{found:?}");
    }

    #[test]
    fn passes() {
        let rule = &RegistryUntrusted;
        let corp = trusting(&["registry.example.com", "*.gcr.io", "docker.io"]);
        assert_fires_with(rule, &corp, None, "FROM python:3.12.7\n", &[]);
        assert_fires_with(rule, &corp, None, "FROM eu.gcr.io/proj/app:1.0.0\n", &[]);
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM REGISTRY.example.com/app:1.0.0\n",
            &[],
        );
        // Stage references and scratch pull nothing.
        let corp = trusting(&["registry.example.com"]);
        assert_fires_with(
            rule,
            &corp,
            None,
            "FROM registry.example.com/go:1.23.2 AS build\nFROM build AS test\n\
             FROM scratch\nCOPY --from=build /app /app\nCOPY --from=scratch / /empty\n",
            &[],
        );
        // Awaiting a --build-arg: not known here.
        assert_fires_with(rule, &corp, None, "ARG BASE\nFROM ${BASE}\n", &[]);
        // Docker Hub by another of its names.
        let hub = trusting(&["hub.docker.com"]);
        assert_fires_with(rule, &hub, None, "FROM alpine:3.20.3\n", &[]);
        // Prefix globs.
        let prefix = trusting(&["registry.example.*"]);
        assert_fires_with(
            rule,
            &prefix,
            None,
            "FROM registry.example.org/a:1.0.0\n",
            &[],
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.gcr.io", "eu.gcr.io"));
        assert!(!glob_match("*.gcr.io", "gcr.io"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxc"));
        assert!(!glob_match("ab*ba", "aba"));
    }
}
