use super::{human_bytes, layer_list, visible_files, ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final filesystem keeps a package manager's cache or index: apt lists and archives, the
/// apk, yum and dnf caches, pip, npm, yarn and Go build caches.
pub struct PackageCache;

static META: RuleMeta = RuleMeta {
    id: "SW3403",
    name: "image-package-cache",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &["DKL-DI-0004", "DKL-DI-0005"],
    summary: "The image keeps a package manager's cache.",
    why: "Package indexes and download caches are needed while installing, never at run time: \
          they add megabytes to every pull and every node's disk, and stale apt lists make a \
          later `apt-get install` in a derived image use outdated versions. The files are found \
          in the final filesystem, whatever the Dockerfile did (dockle looks at the history's \
          commands instead). Clean up in the same RUN that installs (`rm -rf \
          /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`, `npm \
          cache clean --force`), or use BuildKit cache mounts.",
    bad: "FROM debian:12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
};

/// (name, where it is, whether a path belongs to it).
type Cache = (&'static str, &'static str, fn(&str) -> bool);

const CACHES: &[Cache] = &[
    ("apt package lists", "/var/lib/apt/lists", |p| {
        p.starts_with("/var/lib/apt/lists/") && !p.ends_with("/lock")
    }),
    ("apt package archives", "/var/cache/apt", |p| {
        p.starts_with("/var/cache/apt/") && (p.ends_with(".deb") || p.ends_with(".bin"))
    }),
    ("apk cache", "/var/cache/apk", |p| {
        p.starts_with("/var/cache/apk/") || p.starts_with("/etc/apk/cache/")
    }),
    ("yum/dnf cache", "/var/cache/dnf", |p| {
        p.starts_with("/var/cache/yum/") || p.starts_with("/var/cache/dnf/")
    }),
    ("pip cache", "~/.cache/pip", |p| p.contains("/.cache/pip/")),
    ("npm cache", "~/.npm/_cacache", |p| {
        p.contains("/.npm/_cacache/")
    }),
    ("yarn cache", "~/.cache/yarn", |p| {
        p.contains("/.cache/yarn/") || p.contains("/.yarn/berry/cache/")
    }),
    ("Go build cache", "~/.cache/go-build", |p| {
        p.contains("/.cache/go-build/")
    }),
];

impl ImageRule for PackageCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        for (name, default_place, belongs) in CACHES {
            let files: Vec<_> = visible_files(cx.index)
                .filter(|r| belongs(&r.path) && r.meta.size > 0)
                .collect();
            let Some(first) = files.first() else { continue };
            let bytes: u64 = files.iter().map(|r| r.meta.size).sum();
            // The cache directory as found: `/root/.cache/pip` rather than `~/.cache/pip`.
            let place = match default_place.strip_prefix('~') {
                Some(tail) => first
                    .path
                    .find(tail)
                    .map(|at| first.path[..at + tail.len()].to_string())
                    .unwrap_or_else(|| default_place.to_string()),
                None => default_place.to_string(),
            };
            let layers = layer_list(files.iter().map(|r| r.layer));
            out.push(Finding::at(
                &META,
                place.as_str(),
                format!(
                    "the image keeps the {name} in `{place}`: {} file{}, {} (layer{} {layers}); \
                     clean it in the RUN that fills it",
                    files.len(),
                    if files.len() == 1 { "" } else { "s" },
                    human_bytes(bytes),
                    if layers.contains(',') { "s" } else { "" },
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        let w = with_layer(
            LayerBuilder::new()
                .file(
                    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                    &[b'x'; 2048],
                    0o644,
                )
                .file("/var/lib/apt/lists/lock", b"", 0o640)
                .file("/root/.cache/pip/http/a/b", b"cached wheel", 0o644)
                .file("/home/app/.npm/_cacache/index-v5/x", b"cached", 0o644)
                .file("/var/cache/apk/APKINDEX.1.tar.gz", b"index", 0o644),
            "RUN apt-get update && pip install x",
        );
        let found = assert_fires(
            &PackageCache,
            &w,
            &[
                "/var/lib/apt/lists",
                "/var/cache/apk",
                "/root/.cache/pip",
                "/home/app/.npm/_cacache",
            ],
        );
        assert!(
            found[0].message.contains("1 file, 2.0 KiB (layer 2)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn passes() {
        assert_clean(&PackageCache, &hardened());
        // Cleaned in a later layer (wasted bytes, another rule), or only the empty lock.
        let mut w = with_layer(
            LayerBuilder::new()
                .file("/var/lib/apt/lists/x_InRelease", b"index", 0o644)
                .file("/var/lib/apt/lists/lock", b"", 0o640),
            "RUN apt-get update",
        );
        w.layer(
            LayerBuilder::new()
                .whiteout("/var/lib/apt/lists/x_InRelease")
                .finish(),
            "RUN rm -rf /var/lib/apt/lists/*",
        );
        assert_clean(&PackageCache, &w);
    }
}
