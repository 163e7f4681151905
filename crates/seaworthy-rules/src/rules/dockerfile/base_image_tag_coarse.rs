use seaworthy_dockerfile::BaseImage;

use super::base_image_unpinned::base_word;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, PinLevel, RuleMeta, Severity};

/// A base image tag that names only a major or minor version (`python:3`, `node:20-alpine`,
/// `python:3.12-slim`), a bare release codename (`debian:bookworm`) or a moving channel
/// (`node:lts`): it moves on every release, so two builds a month apart start from different
/// bases. Only at the
/// `base_pin` level `patch` (the default): `tag` accepts any tag but `latest`, and `digest`
/// hands the job to base-image-not-digest-pinned.
pub struct BaseImageTagCoarse;

static META: RuleMeta = RuleMeta {
    id: "SW1201",
    name: "base-image-tag-coarse",
    severity: Severity::Info,
    category: Category::Supply,
    practice: 2,
    aliases: &[],
    summary: "A base image tag names only a major or minor version, a codename or a channel.",
    why: "`python:3`, `python:3.12`, `alpine:3.20`, `node:20`, `debian:bookworm` and \
          `node:lts` are re-pointed at every minor or patch release: better than `latest`, but \
          a rebuild still silently changes the interpreter, libc or system libraries under the \
          application. Pin a patch-level version (`python:3.12.7-slim-bookworm`, \
          `alpine:3.20.3`), a dated tag (`ubuntu:noble-20241015`), or a digest, and \
          update it on purpose (Renovate and Dependabot bump such tags). The rule follows the \
          `base-pin` setting: at `patch` (the default) it reports coarse tags; at `tag` any \
          tag but `latest` is accepted and it stays silent; at `digest` \
          base-image-not-digest-pinned reports every base without a digest instead. A \
          two-part version counts as minor only for images known to publish patch releases \
          (python, node, golang, nginx, alpine, redis, mysql, temurin, .NET, …): \
          `debian:12.7`, `ubuntu:24.04` and `postgres:16.4` are full versions.",
    bad: "FROM node:20-alpine\nCOPY . /app\n",
    good: "FROM node:20.18.0-alpine3.20\nCOPY . /app\n",
};

/// Images whose versions have a patch level (`python:3.12.7`, `nginx:1.27.2`), so that a
/// `major.minor` tag of theirs moves with every patch release. Other images' two-part
/// versions are taken as precise: `debian:12.7` and `postgres:16.4` are full versions.
const PATCH_RELEASES: &[&str] = &[
    "python",
    "node",
    "golang",
    "ruby",
    "php",
    "rust",
    "nginx",
    "httpd",
    "alpine",
    "redis",
    "mysql",
    "mariadb",
    "mongo",
    "memcached",
    "rabbitmq",
    "haproxy",
    "traefik",
    "caddy",
    "tomcat",
    "maven",
    "gradle",
    "elasticsearch",
    "eclipse-temurin",
    "openjdk",
    "amazoncorretto",
    "aspnet",
    "runtime",
    "runtime-deps",
    "sdk",
];

/// Release codenames and moving channels that are not versions.
const FLOATING: &[&str] = &[
    // Debian
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "sid",
    "stable",
    "testing",
    "unstable",
    "oldstable",
    // Ubuntu
    "bionic",
    "focal",
    "jammy",
    "noble",
    "oracular",
    "plucky",
    "rolling",
    "devel",
    // Alpine and others
    "edge",
    "lts",
    "current",
    "mainline",
    "alpine",
    "slim",
];

impl DockerfileRule for BaseImageTagCoarse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        if cx.settings.base_pin != PinLevel::Patch {
            return;
        }
        for stage in &cx.model.stages {
            let BaseImage::Image(image) = &stage.base else {
                continue;
            };
            if !stage.base_undefined.is_empty() || image.digest.is_some() {
                continue;
            }
            let Some(tag) = image.tag.as_deref() else {
                continue;
            };
            let name = image.repository.rsplit('/').next().unwrap_or("");
            let Some(why) = coarseness(tag, PATCH_RELEASES.contains(&name)) else {
                continue;
            };
            out.push(Finding::new(
                &META,
                base_word(stage),
                format!(
                    "`{}` {why}, so it moves with every release; pin a full version",
                    image.familiar()
                ),
            ));
        }
    }
}

/// Why a tag is too coarse to reproduce a build, `None` when it names a precise version.
fn coarseness(tag: &str, patch_releases: bool) -> Option<&'static str> {
    // A version with three or more parts, or a date stamp, anywhere (`3.12.7`,
    // `bookworm-20240701`) pins the patch level.
    let parts: Vec<&str> = tag.split(['-', '_']).collect();
    let components = |p: &str| -> usize {
        let p = p.trim_start_matches('v');
        let numeric =
            p.starts_with(|c: char| c.is_ascii_digit()) && p.split('.').all(|n| !n.is_empty());
        if numeric {
            p.split('.').count()
        } else {
            0
        }
    };
    let precise = parts.iter().any(|p| {
        let date = p.len() >= 6 && p.bytes().all(|b| b.is_ascii_digit());
        components(p) >= 3 || date
    });
    if precise || tag == "latest" {
        return None;
    }
    let first = parts[0].to_ascii_lowercase();
    let major = first.trim_start_matches('v');
    let two_parts = parts.iter().any(|p| components(p) == 2);
    if two_parts && !patch_releases {
        return None;
    }
    if two_parts {
        Some("names only a minor version")
    } else if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) {
        Some("names only a major version")
    } else if FLOATING.contains(&first.as_str()) {
        Some("names a codename or channel, not a version")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&BaseImageTagCoarse);
    }

    #[test]
    fn fires() {
        assert_fires(&BaseImageTagCoarse, "FROM python:3\n", &[1]);
        assert_fires(&BaseImageTagCoarse, "FROM alpine:3\n", &[1]);
        assert_fires(&BaseImageTagCoarse, "FROM debian:bookworm-slim\n", &[1]);
        assert_fires(&BaseImageTagCoarse, "FROM node:lts-alpine\n", &[1]);
        // Minor versions move with every patch release.
        assert_fires(&BaseImageTagCoarse, "FROM python:3.12-slim\n", &[1]);
        assert_fires(&BaseImageTagCoarse, "FROM nginx:1.27-alpine\n", &[1]);
        assert_fires(
            &BaseImageTagCoarse,
            "ARG NODE=20\nFROM node:${NODE} AS web\n",
            &[2],
        );
        // Every stage.
        assert_fires(
            &BaseImageTagCoarse,
            "FROM golang:1 AS build\nFROM alpine:3.20.3\nCOPY --from=build /x /x\n",
            &[1],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&BaseImageTagCoarse, "FROM python:3.12.7-slim\n");
        assert_clean(&BaseImageTagCoarse, "FROM alpine:3.20.3\n");
        assert_clean(&BaseImageTagCoarse, "FROM node:20.18.0-alpine3.20\n");
        assert_clean(&BaseImageTagCoarse, "FROM debian:bookworm-20240701-slim\n");
        assert_clean(&BaseImageTagCoarse, "FROM ubuntu:noble-20241015\n");
        // Two-part versions of images that have no patch level are full versions.
        assert_clean(&BaseImageTagCoarse, "FROM debian:12.7-slim\n");
        assert_clean(&BaseImageTagCoarse, "FROM postgres:16.4\n");
        assert_clean(&BaseImageTagCoarse, "FROM ubuntu:24.04\n");
        // Not this rule's concern: no tag / latest (base-image-unpinned), commit-sha tags.
        assert_clean(&BaseImageTagCoarse, "FROM python\nFROM python:latest\n");
        assert_clean(&BaseImageTagCoarse, "FROM ghcr.io/org/app:sha-3f2a1b9\n");
        assert_clean(
            &BaseImageTagCoarse,
            "FROM alpine:3.20.3 AS base\nFROM base\n",
        );
        assert_clean(
            &BaseImageTagCoarse,
            "FROM node:20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        );
    }

    #[test]
    fn follows_the_pin_level() {
        use crate::Settings;
        let src = "FROM python:3\nFROM node:lts\n";
        let at = |base_pin| Settings {
            base_pin,
            ..Settings::default()
        };
        assert_fires_with(
            &BaseImageTagCoarse,
            &at(PinLevel::Patch),
            None,
            src,
            &[1, 2],
        );
        assert_fires_with(&BaseImageTagCoarse, &at(PinLevel::Tag), None, src, &[]);
        // At `digest`, base-image-not-digest-pinned reports these bases instead.
        assert_fires_with(&BaseImageTagCoarse, &at(PinLevel::Digest), None, src, &[]);
    }
}
