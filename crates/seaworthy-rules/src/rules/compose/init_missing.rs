use seaworthy_compose::model::Tree;
use seaworthy_compose::Service;

use super::yaml_edit::{NewValue, ServiceSite};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

/// A service whose PID 1 is not an init: no `init: true`, and neither the service's
/// `entrypoint:`/`command:` nor the ENTRYPOINT/CMD of the Dockerfile it builds starts one.
///
/// - Inits recognised by the program's base name: `tini` (and `tini-static`, …), `dumb-init`,
///   `docker-init`, `catatonit`, `s6-svscan`, `supervisord`, `systemd`, and `init` (s6-overlay's
///   `/init`, `/sbin/init`).
/// - PID 1 is the service's `entrypoint:` when set (an empty one clears the image's), else the
///   Dockerfile's last ENTRYPOINT along the target stage's chain; without an ENTRYPOINT, the
///   service's `command:`, else the last CMD.
/// - A pulled image (or a Dockerfile seaworthy cannot read) may ship its own init, which the
///   project does not say: reported as info. A readable Dockerfile without one: a warning.
/// - `init: false` is reported at that value unless the image starts an init itself.
pub struct InitMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2104",
    name: "compose-init-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 15,
    aliases: &[],
    summary: "A service runs without an init process as PID 1.",
    why: "PID 1 in a container has two jobs most programs do not do: it reaps orphaned \
          children, which otherwise pile up as zombies until the PID limit is hit, and it \
          must handle SIGTERM itself, since the kernel gives PID 1 no default action: a \
          server that never installed a handler ignores `docker compose stop` and is killed \
          after the grace period, mid-request. `init: true` puts Docker's tini in front of \
          the command; an image whose ENTRYPOINT starts tini, dumb-init or s6-overlay's \
          `/init` does the same. Only a Dockerfile built here is read: for a pulled image \
          the finding is info, since the image may start an init of its own. `seaworthy fix` \
          adds `init: true` to a service that does not set `init`.",
    bad: "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM python:3.12-slim\n        CMD [\"python\", \"-m\", \"http.server\"]\n",
    good: "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM python:3.12-slim\n        CMD [\"python\", \"-m\", \"http.server\"]\n    init: true\n",
};

/// Whether `program` (a path or a name) is an init that reaps children and forwards signals.
fn is_init(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    name.starts_with("tini")
        || matches!(
            name,
            "dumb-init"
                | "docker-init"
                | "catatonit"
                | "s6-svscan"
                | "supervisord"
                | "systemd"
                | "init"
        )
}

/// The words of a service's `entrypoint:` or `command:`: a list, or a string Compose splits
/// into words; `None` when absent.
fn service_words(service: &Service, key: &str) -> Option<Vec<String>> {
    let t = service.raw.get(key)?;
    if t.is_null() {
        return None;
    }
    Some(match t.as_seq() {
        Some(items) => items.iter().filter_map(Tree::scalar_text).collect(),
        None => t
            .scalar_text()
            .unwrap_or_default()
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'']).to_owned())
            .collect(),
    })
}

/// Whether the container's PID 1 is an init: `Some(true|false)`, or `None` when that depends
/// on an image seaworthy does not read.
fn starts_init(cx: &ComposeContext<'_>, service: &Service) -> Option<bool> {
    let first = |words: Vec<String>| words.first().is_some_and(|w| is_init(w));
    let built = cx
        .built(service)
        .map(|b| (b.entrypoint.clone(), b.cmd.clone()));
    if let Some(words) = service_words(service, "entrypoint") {
        if !words.is_empty() {
            return Some(first(words));
        }
        // An empty entrypoint clears the image's: the command is PID 1.
        return match service_words(service, "command") {
            Some(words) => Some(first(words)),
            None => built.map(|(_, cmd)| cmd.is_some_and(|c| is_init(&c))),
        };
    }
    if let Some((Some(entrypoint), _)) = &built {
        return Some(is_init(entrypoint));
    }
    if let Some(words) = service_words(service, "command") {
        if first(words) {
            return Some(true);
        }
        return built.map(|_| false);
    }
    built.map(|(_, cmd)| cmd.is_some_and(|c| is_init(&c)))
}

/// `init: true` added to a service that does not set `init` (one written whole in one place).
fn add_init(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, file)?;
    site.add_key("init", &NewValue::Raw("true".into()))?;
    Some(Fix::safe("add `init: true`", site.finish()?))
}

impl ComposeRule for InitMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            if service.init.as_ref().is_some_and(|i| i.value) {
                continue;
            }
            let known = starts_init(cx, service);
            if known == Some(true) {
                continue;
            }
            let mut finding = match &service.init {
                Some(off) => finding_at(
                    &META,
                    off.origin,
                    format!(
                        "service `{}` turns the init off and its command is not an init: \
                         zombies are not reaped and SIGTERM may be ignored; set `init: true`",
                        service.name
                    ),
                ),
                None if known.is_some() => finding_at(
                    &META,
                    service.name_origin,
                    format!(
                        "service `{}` runs its command as PID 1 with no init (its Dockerfile \
                         starts none): add `init: true`",
                        service.name
                    ),
                ),
                None => finding_at(
                    &META,
                    service.name_origin,
                    format!(
                        "service `{}` has no `init: true`, so PID 1 is whatever the image \
                         starts; add `init: true` unless the image runs tini or another init",
                        service.name
                    ),
                ),
            };
            if known.is_none() {
                finding.severity = Severity::Info;
            }
            if service.init.is_none() {
                if let Some(fix) = add_init(cx, service, finding.file) {
                    finding = finding.with_fix(fix);
                }
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&InitMissing);
    }

    fn run(files: &[(&str, &str)]) -> Vec<(String, usize, String)> {
        findings_with(&InitMissing, &crate::Settings::default(), files)
    }

    #[test]
    fn fires() {
        // A pulled image: info at the service's name.
        assert_fires(
            &InitMissing,
            "services:\n  web:\n    image: nginx:1.27.2\n  app:\n    image: x:1\n    init: true\n",
            &[2],
        );
        let found = run(&[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27.2\n",
        )]);
        assert!(
            found[0].2.contains("unless the image runs tini"),
            "{found:?}"
        );
        // Built from a Dockerfile whose ENTRYPOINT is the application.
        let found = run(&[
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
            (
                "Dockerfile",
                "FROM node:22-slim\nENTRYPOINT [\"node\", \"server.js\"]\n",
            ),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 2)]);
        assert!(found[0].2.contains("Dockerfile starts none"), "{found:?}");
        // tini only in a stage that is not the target.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  app:\n    build:\n      context: .\n      target: dev\n",
            ),
            (
                "Dockerfile",
                "FROM node:22-slim AS dev\nCMD [\"node\", \"server.js\"]\n\
                 FROM node:22-slim\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\n",
            ),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 2)]);
        // The service's entrypoint replaces the image's tini.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  app:\n    build: .\n    entrypoint: [\"node\", \"server.js\"]\n",
            ),
            (
                "Dockerfile",
                "FROM node:22-slim\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"node\", \"server.js\"]\n",
            ),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 2)]);
        // `init: false` from an override file: at that value.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx:1.27.2\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  web:\n    init: false\n",
            ),
        ]);
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
        // Interpolated to false.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx:1.27.2\n    init: ${INIT:-false}\n",
            ),
            (".env", "OTHER=1\n"),
        ]);
        assert_eq!(places(&found), [("compose.yaml", 4)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &InitMissing,
            "services:\n  web:\n    image: nginx:1.27.2\n    init: true\n",
        );
        // Through an anchor, as the hardened fixture writes it.
        assert_clean(
            &InitMissing,
            "x-base: &base\n  init: true\nservices:\n  web:\n    <<: *base\n    image: nginx:1.27.2\n",
        );
        // The service's exec-form or string entrypoint starts an init.
        for entrypoint in [
            "[\"tini\", \"--\", \"node\", \"server.js\"]",
            "[\"/usr/bin/dumb-init\", \"--\", \"node\"]",
            "/sbin/tini -- node server.js",
            "[\"/init\"]",
        ] {
            assert_clean(
                &InitMissing,
                &format!("services:\n  app:\n    image: x:1.0.0\n    entrypoint: {entrypoint}\n"),
            );
        }
        // The Dockerfile's ENTRYPOINT starts one, in the final stage or one it is built on.
        for dockerfile in [
            "FROM node:22-slim\nRUN apt-get install -y tini\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"node\", \"server.js\"]\n",
            "FROM alpine:3.20 AS base\nENTRYPOINT [\"/sbin/tini\", \"--\"]\nFROM base\nCMD [\"app\"]\n",
            "FROM ubuntu:24.04\nENTRYPOINT [\"/init\"]\n",
            "FROM ubuntu:24.04\nENTRYPOINT dumb-init -- app\n",
            "FROM ubuntu:24.04\nCMD [\"docker-init\", \"--\", \"app\"]\n",
        ] {
            let found = run(&[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", dockerfile),
            ]);
            assert!(found.is_empty(), "{dockerfile}: {found:?}");
        }
        // The service's command starts an init and the image has no ENTRYPOINT.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  app:\n    build: .\n    command: [\"tini\", \"--\", \"app\"]\n",
            ),
            ("Dockerfile", "FROM alpine:3.20\nCMD [\"app\"]\n"),
        ]);
        assert!(found.is_empty(), "{found:?}");
        // `init: false` on an image whose ENTRYPOINT is tini: deliberate, no double init.
        let found = run(&[
            (
                "compose.yaml",
                "services:\n  app:\n    build: .\n    init: false\n",
            ),
            (
                "Dockerfile",
                "FROM alpine:3.20\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"app\"]\n",
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn fix_adds_init_true() {
        use crate::FixKind::Safe;
        assert_fix(
            &InitMissing,
            "services:\n  web:\n    image: nginx:1.27.2\n",
            "services:\n  web:\n    image: nginx:1.27.2\n    init: true\n",
            Safe,
        );
        // Comments between keys stay; trailing comments belong to what follows; the last
        // service without a final newline.
        assert_fix(
            &InitMissing,
            "services:\n  web:\n    # the proxy\n    image: nginx:1.27.2 # pinned\n    # ports: [\"80:80\"]\n\n  app:\n    image: x:1\n    command: [\"app\"]",
            "services:\n  web:\n    # the proxy\n    image: nginx:1.27.2 # pinned\n    init: true\n    # ports: [\"80:80\"]\n\n  app:\n    image: x:1\n    command: [\"app\"]\n    init: true",
            Safe,
        );
        // Four-space indentation, CRLF line endings.
        assert_fix(
            &InitMissing,
            "services:\r\n    web:\r\n        image: nginx:1.27.2\r\n",
            "services:\r\n    web:\r\n        image: nginx:1.27.2\r\n        init: true\r\n",
            Safe,
        );
        // After a block scalar, at the end of its last line.
        assert_fix(
            &InitMissing,
            "services:\n  app:\n    image: x:1\n    command: >\n      app\n      --serve\n\nvolumes: {}\n",
            "services:\n  app:\n    image: x:1\n    command: >\n      app\n      --serve\n    init: true\n\nvolumes: {}\n",
            Safe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        // Flow style; `init: false` written on purpose; a merge key.
        assert_no_fix(
            &InitMissing,
            "services:\n  web: {image: \"nginx:1.27.2\"}\n",
        );
        assert_no_fix(
            &InitMissing,
            "services:\n  web:\n    image: nginx:1.27.2\n    init: false\n",
        );
        // A merge key's keys come from the anchor; the key is added to the service's own
        // block, where it overrides nothing the anchor gives.
        crate::testing::compose::assert_fix(
            &InitMissing,
            "x-base: &base\n  image: nginx:1.27.2\nservices:\n  web:\n    <<: *base\n    restart: always\n",
            "x-base: &base\n  image: nginx:1.27.2\nservices:\n  web:\n    <<: *base\n    restart: always\n    init: true\n",
            crate::FixKind::Safe,
        );
        // With the merge key last.
        crate::testing::compose::assert_fix(
            &InitMissing,
            "x-base: &base\n  image: nginx:1.27.2\nservices:\n  web:\n    restart: always\n    <<: *base\n",
            "x-base: &base\n  image: nginx:1.27.2\nservices:\n  web:\n    restart: always\n    <<: *base\n    init: true\n",
            crate::FixKind::Safe,
        );
        // Read through `include:` (a file other projects may share), or made by `extends`.
        assert_no_fix_in(
            &InitMissing,
            &[
                ("compose.yaml", "include:\n  - shared/db.yaml\n"),
                (
                    "shared/db.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n",
                ),
            ],
        );
        assert_no_fix_in(
            &InitMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n",
                ),
                ("base.yaml", "services:\n  base:\n    image: nginx:1.27.2\n"),
            ],
        );
        // Defined in an override file too.
        assert_no_fix_in(
            &InitMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    image: nginx:1.27.2\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  web:\n    restart: always\n",
                ),
            ],
        );
    }
}
