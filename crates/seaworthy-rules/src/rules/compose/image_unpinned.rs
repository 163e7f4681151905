use seaworthy_compose::Service;
use seaworthy_dockerfile::ImageRef;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `image:` (after interpolation) with no tag, `latest`, or another tag that moves (`stable`,
/// `edge`, `lts`, `nightly`, …) and no digest. Services that build their image (`build:`) are
/// skipped: their `image:` names what is built, not what is pulled.
pub struct ImageUnpinned;

static META: RuleMeta = RuleMeta {
    id: "SW2200",
    name: "compose-image-unpinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 2,
    aliases: &["service-image-require-explicit-tag"],
    summary: "A service's image has no tag, `latest`, or a floating tag such as `stable`.",
    why: "A tag that moves (`latest`, `stable`, `lts`, `nightly`, or none at all) gives a \
          different image on every host and every `docker compose pull`: a deploy, a restart \
          on a new node or a rollback silently runs software nobody tested, and \
          `docker compose up` on two machines disagrees. Pin a version tag \
          (`postgres:16.4`), and a digest (`postgres:16.4@sha256:…`) where the service is \
          critical. Differs from dclint: the image is checked after interpolation \
          (`postgres:${PG_TAG:-latest}` is `latest`), after override files are merged, \
          with Docker's reference grammar (a registry port such as `registry:5000/app` is \
          not a tag), and a digest pins the image whatever the tag.",
    bad: "services:\n  db:\n    image: postgres\n  cache:\n    image: redis:latest\n",
    good: "services:\n  db:\n    image: postgres:16.4\n  cache:\n    image: redis:7.4.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
};

/// Tags that name a channel rather than a version (dclint's default prohibited list, plus
/// the branch names images are commonly published under).
const FLOATING_TAGS: &[&str] = &[
    "latest", "stable", "edge", "test", "nightly", "dev", "beta", "canary", "lts", "main",
    "master", "develop", "rolling", "current", "mainline", "unstable", "snapshot",
];

/// Whether `tag` names a channel that moves.
pub(super) fn is_floating_tag(tag: &str) -> bool {
    FLOATING_TAGS.contains(&tag.to_ascii_lowercase().as_str())
}

/// The service's image parsed with Docker's reference grammar, when it has a valid one.
pub(super) fn image_ref(service: &Service) -> Option<ImageRef> {
    let image = service.image.as_ref()?;
    ImageRef::parse(image.value.trim()).ok()
}

/// The last path component of an image's repository without registry or tag: `postgres` for
/// `docker.io/library/postgres:16`, `postgresql` for `bitnami/postgresql`.
pub(super) fn image_base_name(image: &ImageRef) -> &str {
    image
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&image.repository)
}

impl ComposeRule for ImageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            if service.build.is_some() {
                continue;
            }
            let Some(image) = &service.image else {
                continue;
            };
            // An invalid reference is another rule's concern.
            let Ok(reference) = ImageRef::parse(image.value.trim()) else {
                continue;
            };
            if reference.digest.is_some() {
                continue;
            }
            let message = match &reference.tag {
                None => format!(
                    "service `{}`: image `{}` has no tag and pulls whatever `latest` is; pin \
                     a version tag (and a digest for critical services)",
                    service.name, reference.written
                ),
                Some(tag) if is_floating_tag(tag) => format!(
                    "service `{}`: image `{}` uses the floating tag `{tag}`; pin a version tag \
                     (and a digest for critical services)",
                    service.name, reference.written
                ),
                Some(_) => continue,
            };
            out.push(finding_at(&META, image.origin, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ImageUnpinned);
    }

    #[test]
    fn fires() {
        assert_fires(
            &ImageUnpinned,
            "services:\n  a:\n    image: nginx\n  b:\n    image: nginx:latest\n  c:\n    image: \"ghcr.io/org/app:stable\"\n  d:\n    image: registry:5000/app\n  e:\n    image: node:LTS\n",
            &[3, 5, 7, 9, 11],
        );
        // Interpolated: the default is `latest`.
        let found = findings_with(
            &ImageUnpinned,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:${PG_TAG:-latest}\n",
                ),
                (".env", "OTHER=1\n"),
            ],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("`latest`"), "{found:?}");
        // The override file replaces the pinned image with an unpinned one.
        let found = findings_with(
            &ImageUnpinned,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    image: postgres\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &ImageUnpinned,
            "services:\n  a:\n    image: nginx:1.27.2\n  b:\n    image: registry:5000/app:2.1\n  c:\n    image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  d:\n    image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        );
        // Built services: the image names the result.
        assert_clean(
            &ImageUnpinned,
            "services:\n  app:\n    build: .\n    image: myorg/app\n  worker:\n    build:\n      context: .\n",
        );
        // Interpolated from .env to a version.
        let found = findings_with(
            &ImageUnpinned,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:${PG_TAG:-latest}\n",
                ),
                (".env", "PG_TAG=16.4\n"),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
