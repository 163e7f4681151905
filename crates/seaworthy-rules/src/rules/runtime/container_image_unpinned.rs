use seaworthy_dockerfile::ImageRef;

use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, PinLevel, RuleMeta, Severity};

/// `Config.Image` has no tag or `latest`; with `base-pin = "digest"` configured, any reference
/// without a digest. A container created from an image id is pinned.
pub struct ContainerImageUnpinned;

static META: RuleMeta = RuleMeta {
    id: "SW4015",
    name: "container-image-unpinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 2,
    aliases: &[],
    summary: "A container was created from `:latest` or an untagged image reference.",
    why: "The container runs the image `latest` pointed to when it was created; recreated \
          after a pull, a restart on another host or a rollback, it runs whatever `latest` \
          points to then, which nobody tested. Create it from a version tag \
          (`nginx:1.27.2`), and by digest (`nginx:1.27.2@sha256:…`) where it matters; with \
          `base-pin = \"digest\"` in .seaworthy.toml every reference without a digest is \
          reported.",
    bad: "docker run -d --name web nginx\n",
    good: "docker run -d --name web nginx:1.27.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
};

/// An image id (`sha256:…`, or its hex alone or shortened) rather than a reference.
fn is_image_id(image: &str) -> bool {
    let hex = image.strip_prefix("sha256:").unwrap_or(image);
    hex.len() >= 12 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ContainerRule for ContainerImageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let image = cx.container.config.image.trim();
        if image.is_empty() || is_image_id(image) {
            return;
        }
        let Ok(r) = ImageRef::parse(image) else {
            return;
        };
        if r.digest.is_some() {
            return;
        }
        let message = match r.tag.as_deref() {
            None => format!("was created from `{image}` without a tag, which means `latest`: use a version tag and a digest"),
            Some(t) if t.eq_ignore_ascii_case("latest") => {
                format!("was created from `{image}`: `latest` moves; use a version tag and a digest")
            }
            Some(_) if cx.settings.base_pin == PinLevel::Digest => {
                format!("was created from `{image}` without a digest: add `@sha256:…`")
            }
            Some(_) => return,
        };
        out.push(at(&META, "Config.Image", message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_runtime::serde_json::json;

    #[test]
    fn fires() {
        for image in [
            "nginx",
            "nginx:latest",
            "registry.example:5000/app",
            "docker.io/library/redis:LATEST",
        ] {
            assert_fires(
                &ContainerImageUnpinned,
                &[("/Config/Image", json!(image))],
                &["Config.Image"],
            );
        }
        let settings = crate::Settings {
            base_pin: PinLevel::Digest,
            ..crate::Settings::default()
        };
        let c = container_with(&[("/Config/Image", json!("nginx:1.27.2"))]);
        let found = findings_in(
            &ContainerImageUnpinned,
            &c,
            &seaworthy_runtime::Daemon::default(),
            &settings,
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn passes() {
        for image in [
            "nginx:1.27.2",
            "localhost/tiny:1",
            "registry.example:5000/app:2.0.1",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "0123456789ab",
            "",
        ] {
            assert_clean(&ContainerImageUnpinned, &[("/Config/Image", json!(image))]);
        }
    }
}
