//! Image rules (`SW3xxx`): each reads a built image's config, history and file index, and
//! points its findings at a logical place in the image (`Config.User`, `/etc/shadow`,
//! `history[3].created_by`).
//!
//! Rules are pure functions of an [`ImageContext`]: the config, the layers, the [`FsIndex`] of
//! every path ever present, and the [`ImageFacts`] a [`FactsVisitor`] collected from file
//! contents during the single streaming pass (the account files, os-release, secrets found by
//! content). No rule reads anything itself.
//!
//! To add a rule: create `<rule_name>.rs` beside this file (metadata whose `bad`/`good` examples
//! are the Dockerfiles that build the bad and the fixed image, the check, `#[cfg(test)]` images
//! built with `testing::TestImage`), then list it in `image_rules!` below under its category.
//!
//! Aliases are dockle's checkpoint ids (`CIS-DI-xxxx`, `DKL-xx-xxxx`) and CIS Docker Benchmark
//! v1.2.0 section 4 items (`CIS-4.x`) that no other rule holds.

use std::collections::BTreeSet;

use seaworthy_image::{FileKind, FileRecord, FsIndex, HiddenHow, Image, ImageConfig, Layer};

use crate::{Finding, RuleMeta, Settings};

mod accounts;
mod eol;
mod facts;
mod secrets;
#[cfg(test)]
pub(crate) mod testing;

pub use facts::{FactsVisitor, ImageFacts, SecretHit};

/// What the caller decides for a run of the image rules.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// The day end-of-life dates are compared with.
    pub today: chrono::NaiveDate,
    /// Below this share of shipped file bytes that are still visible, wasted bytes are
    /// reported (dive's `lowestEfficiency`, 0.9 by default there and here).
    pub lowest_efficiency: f64,
    /// Wasted bytes under this many are never reported, whatever the efficiency.
    pub min_wasted_bytes: u64,
}

impl ImageOptions {
    /// The defaults, for a day given as days since 1970-01-01 (what the system clock says).
    pub fn at_unix_day(days: i64) -> ImageOptions {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
        ImageOptions {
            today: epoch + chrono::Duration::days(days),
            lowest_efficiency: 0.9,
            min_wasted_bytes: 1 << 20,
        }
    }
}

/// What an image rule can read.
pub struct ImageContext<'a> {
    pub config: &'a ImageConfig,
    /// The layers, with the `created_by` of the step that made each.
    pub layers: &'a [Layer],
    pub index: &'a FsIndex,
    pub facts: &'a ImageFacts,
    pub settings: &'a Settings,
    pub options: &'a ImageOptions,
}

impl<'a> ImageContext<'a> {
    pub fn new(
        image: &'a Image,
        index: &'a FsIndex,
        facts: &'a ImageFacts,
        settings: &'a Settings,
        options: &'a ImageOptions,
    ) -> ImageContext<'a> {
        ImageContext {
            config: &image.config,
            layers: &image.layers,
            index,
            facts,
            settings,
            options,
        }
    }

    /// `layer 3 (RUN apt-get install -y gcc)`: a layer as messages name it.
    pub fn layer_name(&self, layer: usize) -> String {
        match self
            .layers
            .get(layer)
            .and_then(|l| l.created_by.as_deref())
            .map(step_text)
        {
            Some(step) if !step.is_empty() => format!("layer {layer} (`{step}`)"),
            _ => format!("layer {layer}"),
        }
    }

    /// Where a record is: `added in layer 1 (…)`, and when a later layer hid it, `deleted in
    /// layer 3 (…), still in the image` (its bytes ship in layer 1 whatever layer 3 does).
    pub fn provenance(&self, rec: &FileRecord) -> String {
        let added = format!("added in {}", self.layer_name(rec.layer));
        match rec.hidden {
            None => added,
            Some((l, HiddenHow::Deleted)) => {
                format!(
                    "{added}, deleted in {}, still in the image",
                    self.layer_name(l)
                )
            }
            Some((l, HiddenHow::Overwritten)) => format!(
                "{added}, replaced in {}, the old copy still in the image",
                self.layer_name(l)
            ),
        }
    }

    /// The visible record at `path` after following symbolic links in every component
    /// (`/bin/sh` through a `/bin -> usr/bin` link), at most 32 links deep.
    pub fn resolve(&self, path: &str) -> Option<&'a FileRecord> {
        resolve(self.index, path, 32)
    }

    /// `PATH` as the image's Env sets it, else Docker's default.
    pub fn path_dirs(&self) -> Vec<&'a str> {
        let path = self
            .config
            .config
            .env_pairs()
            .filter(|(k, _)| *k == "PATH")
            .map(|(_, v)| v)
            .last()
            .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        path.split(':').filter(|d| d.starts_with('/')).collect()
    }

    /// Where a command is found: an absolute or relative path as it is, a bare name along
    /// `PATH`; it must resolve to an executable regular file.
    pub fn find_command(&self, name: &str) -> Option<String> {
        let candidates: Vec<String> = if name.contains('/') {
            let base = self.config.config.working_dir.as_deref().unwrap_or("/");
            vec![join(base, name)]
        } else {
            self.path_dirs()
                .into_iter()
                .map(|d| join(d, name))
                .collect()
        };
        candidates.into_iter().find(|p| {
            self.resolve(p).is_some_and(|r| {
                matches!(r.meta.kind, FileKind::File | FileKind::Hardlink)
                    && r.meta.mode & 0o111 != 0
            })
        })
    }

    /// Who the container runs as.
    pub fn user(&self) -> accounts::RuntimeUser {
        accounts::RuntimeUser::of(
            self.config.config.user.as_deref().unwrap_or(""),
            &self.facts.accounts(self.index),
        )
    }
}

/// `/bin/sh -c #(nop) ENV A=b` → `ENV A=b`, `/bin/sh -c apt-get …` → `RUN apt-get …`,
/// BuildKit's ` # buildkit` suffix dropped; cut to 60 characters.
pub fn step_text(created_by: &str) -> String {
    let s = created_by.trim();
    let s = s.strip_suffix("# buildkit").unwrap_or(s).trim();
    let s = if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        rest.trim().to_string()
    } else if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        format!("RUN {}", rest.trim())
    } else {
        s.to_string()
    };
    // `COPY dir:<64 hex> in /app/` (Docker's and buildah's record of a COPY): the hash cut
    // to 12, so that the destination fits.
    let s = s
        .split_whitespace()
        .map(|w| match w.split_once(':') {
            Some((kind @ ("file" | "dir" | "multi"), hash))
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                format!("{kind}:{}", &hash[..12])
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// `dir` + `name`, lexically normalised (`..` clamped at the root).
pub(crate) fn join(dir: &str, name: &str) -> String {
    let full = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

pub(crate) fn resolve<'i>(index: &'i FsIndex, path: &str, budget: usize) -> Option<&'i FileRecord> {
    let path = join("/", path);
    if path == "/" {
        return index.get("/");
    }
    let parts: Vec<&str> = path[1..].split('/').collect();
    let mut current = String::new();
    for (i, part) in parts.iter().enumerate() {
        let candidate = format!("{current}/{part}");
        let rec = index.get(&candidate);
        match rec {
            Some(r) if r.meta.kind == FileKind::Symlink => {
                if budget == 0 {
                    return None;
                }
                let target = r.meta.link_target.as_deref().unwrap_or("");
                let dir = if current.is_empty() { "/" } else { &current };
                let rest = parts[i + 1..].join("/");
                let next = join(&join(dir, target), &rest);
                return resolve(index, &next, budget - 1);
            }
            Some(r) if r.meta.kind == FileKind::Hardlink && i + 1 == parts.len() => {
                let target = r.meta.link_target.as_deref().unwrap_or("");
                // A hardlink shares its target's content and mode.
                return index.get(target).or(Some(r));
            }
            Some(_) => current = candidate,
            // Tars often omit parent directories: keep walking by name.
            None if i + 1 < parts.len() => current = candidate,
            None => return None,
        }
    }
    index.get(&current)
}

/// A rule over one image.
pub trait ImageRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>);
}

pub mod differs_from_dockerfile;

macro_rules! image_rules {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every image rule.
        pub fn all() -> &'static [&'static dyn ImageRule] {
            &[$(&$module::$rule),*]
        }
    };
}

image_rules! {
    // identity
    user_root::UserRoot,
    empty_password::EmptyPassword,
    duplicate_id::DuplicateId,
    user_unknown::UserUnknown,
    // supply-chain
    os_end_of_life::OsEndOfLife,
    // runtime
    healthcheck_missing::HealthcheckMissing,
    healthcheck_tool_missing::HealthcheckToolMissing,
    shell_form_entrypoint::ShellFormEntrypoint,
    ssh_port_exposed::SshPortExposed,
    sensitive_volume::SensitiveVolume,
    volume_not_writable::VolumeNotWritable,
    setuid_file::SetuidFile,
    world_writable::WorldWritable,
    // secrets
    secret_in_env::SecretInEnv,
    secret_in_history::SecretInHistory,
    secret_file::SecretFile,
    secret_content::SecretContent,
    // hygiene
    package_cache::PackageCache,
    toolchain_present::ToolchainPresent,
    wasted_bytes::WastedBytes,
    required_label_missing::RequiredLabelMissing,
}

/// Every image rule's metadata.
pub fn metas() -> Vec<&'static RuleMeta> {
    all()
        .iter()
        .map(|r| r.meta())
        .chain(std::iter::once(&differs_from_dockerfile::META))
        .collect()
}

/// Runs every image rule; findings come back ordered by place, then rule.
pub fn check_image(cx: &ImageContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in all() {
        rule.check(cx, &mut out);
    }
    out.sort_by(|a, b| (a.logical.as_deref(), a.rule.id).cmp(&(b.logical.as_deref(), b.rule.id)));
    out
}

/// Directories whose files come from packages or language runtimes, where a key-shaped file is
/// a test fixture or a library's data rather than this image's secret (trivy allows the same).
pub(crate) fn is_system_path(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/usr/share/",
        "/usr/include/",
        "/usr/lib/",
        "/usr/lib64/",
        "/lib/",
        "/lib64/",
        "/usr/local/go/",
        "/usr/local/include/",
        "/usr/local/share/",
        "/usr/src/",
        "/proc/",
        "/sys/",
        "/var/lib/dpkg/",
        "/var/lib/rpm/",
        "/var/lib/apk/",
        "/etc/ssl/certs/",
        "/etc/pki/ca-trust/",
    ];
    if PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    const PARTS: &[&str] = &[
        "/site-packages/",
        "/dist-packages/",
        ".dist-info/",
        ".egg-info/",
        "/test/",
        "/tests/",
        "/testdata/",
        "/testing/",
        "/fixtures/",
        "/examples/",
        "/example/",
        "/vendor/",
        "/.cargo/registry/",
        "/go/pkg/mod/",
        "/gems/",
    ];
    if PARTS.iter().any(|p| path.contains(p)) {
        return true;
    }
    path.starts_with("/usr/local/lib/") && path.contains("/python")
}

/// The paths of visible regular files, for rules that look at names.
pub(crate) fn visible_files(index: &FsIndex) -> impl Iterator<Item = &FileRecord> {
    index
        .visible()
        .filter(|r| matches!(r.meta.kind, FileKind::File | FileKind::Hardlink))
}

/// Distinct layers, for messages.
pub(crate) fn layer_list(layers: impl IntoIterator<Item = usize>) -> String {
    let set: BTreeSet<usize> = layers.into_iter().collect();
    let v: Vec<String> = set.iter().map(|l| l.to_string()).collect();
    v.join(", ")
}

/// `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_like_instructions() {
        assert_eq!(step_text("/bin/sh -c #(nop)  ENV A=b"), "ENV A=b");
        assert_eq!(step_text("/bin/sh -c apt-get update"), "RUN apt-get update");
        assert_eq!(
            step_text("RUN /bin/sh -c make # buildkit"),
            "RUN /bin/sh -c make"
        );
        assert!(step_text(&"x".repeat(100)).ends_with("..."));
        assert_eq!(
            step_text(&format!(
                "/bin/sh -c #(nop) COPY dir:{} in /root/ ",
                "ab".repeat(32)
            )),
            "COPY dir:abababababab in /root/"
        );
    }

    #[test]
    fn paths_join_and_clamp() {
        assert_eq!(join("/usr/bin", "../lib/x"), "/usr/lib/x");
        assert_eq!(join("/", "../../etc"), "/etc");
        assert_eq!(join("/a", "/b"), "/b");
    }

    #[test]
    fn bytes_read_like_sizes() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }
}
