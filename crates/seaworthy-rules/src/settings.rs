//! What users can configure about the rules themselves (as opposed to which rules run and how
//! severe they are, which the CLI's filter decides). Filled from `.seaworthy.toml` or
//! `.hadolint.yaml` by the CLI; rules read it through their context.

/// How strictly base images must be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PinLevel {
    /// A tag other than `latest` is enough.
    Tag,
    /// A tag precise to the patch (`3.12.4`, `1.27.2-alpine`); coarse tags (`3`, `3.12`) are
    /// reported. The default.
    #[default]
    Patch,
    /// Every base image by digest (`@sha256:…`).
    Digest,
}

/// The value type a required label must have (hadolint's label-schema types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelType {
    Text,
    Url,
    Semver,
    Hash,
    Rfc3339,
    Spdx,
    Email,
}

impl LabelType {
    pub fn parse(s: &str) -> Option<LabelType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "text" => LabelType::Text,
            "url" => LabelType::Url,
            "semver" => LabelType::Semver,
            "hash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "spdx" => LabelType::Spdx,
            "email" => LabelType::Email,
            _ => return None,
        })
    }
}

/// Rule settings. `Default` is what seaworthy does with no configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Registries FROM may pull from (globs like `*.gcr.io` allowed); empty means any.
    pub trusted_registries: Vec<String>,
    /// How strictly base images must be pinned.
    pub base_pin: PinLevel,
    /// Whether package installs (apt, apk, pip, npm, …) must pin versions.
    pub pin_packages: bool,
    /// Labels the final image must carry, with the type of their value.
    pub required_labels: Vec<(String, LabelType)>,
    /// Whether labels outside `required_labels` are reported.
    pub strict_labels: bool,
    /// An image's wasted bytes are reported when the share of its file bytes still visible is
    /// below this ratio (dive's lowestEfficiency, 0.9 by default).
    pub lowest_efficiency: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            trusted_registries: Vec::new(),
            base_pin: PinLevel::default(),
            pin_packages: true,
            required_labels: Vec::new(),
            strict_labels: false,
            lowest_efficiency: 0.9,
        }
    }
}
