use super::image_unpinned::image_ref;
use super::restart_policy_missing::awaited_jobs;
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service without a healthcheck, or with one turned off.
///
/// - `healthcheck: {disable: true}` or `test: ["NONE"]`: a warning, at that value.
/// - No `healthcheck:` and a Docker Hub official image (which by policy ship no HEALTHCHECK):
///   a warning, at the service's name.
/// - No `healthcheck:` and a service that builds its image from a Dockerfile seaworthy reads:
///   a HEALTHCHECK in its target stage (or the stages it is built FROM) covers it; a
///   `HEALTHCHECK NONE` there is a warning.
/// - No `healthcheck:` otherwise (another image, or a Dockerfile with no HEALTHCHECK whose base
///   image may have one): info.
/// - One-shot jobs (a service another waits for with `service_completed_successfully`) are
///   skipped.
pub struct HealthcheckMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2103",
    name: "compose-healthcheck-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 3,
    aliases: &["CIS-5.26"],
    summary: "A service has no healthcheck, or turns its image's healthcheck off.",
    why: "Without a healthcheck Docker only knows whether the process is running, not whether \
          it answers: a deadlocked server or one that lost its database stays `running`, \
          `depends_on: {condition: service_healthy}` cannot wait for it, and orchestrators \
          keep sending it traffic. Add a `healthcheck:` with a `test` that exercises the \
          service and a `start_period`. A HEALTHCHECK in the Dockerfile the service builds \
          counts (a `HEALTHCHECK NONE` there is reported). Differs from KICS: a missing \
          healthcheck on a service that uses a non-official image, or builds one whose \
          Dockerfile defines none, is reported as info, because the image's HEALTHCHECK may \
          cover it; Docker Hub official images ship none, so there it is a warning.",
    bad: "services:\n  db:\n    image: postgres:16.4\n",
    good: "services:\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n      interval: 10s\n      start_period: 30s\n",
};

impl ComposeRule for HealthcheckMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        let jobs = awaited_jobs(cx);
        for service in cx.services() {
            if jobs.contains(&service.name) {
                continue;
            }
            match &service.healthcheck {
                Some(check) => {
                    let disabled = check.disable.as_ref().filter(|d| d.value).map(|d| d.origin);
                    let none = check
                        .test
                        .as_ref()
                        .filter(|t| t.value.first().is_some_and(|w| w == "NONE"))
                        .map(|t| t.origin);
                    if let Some(at) = disabled.or(none) {
                        out.push(finding_at(
                            &META,
                            at,
                            format!(
                                "service `{}` turns its healthcheck off, so nothing notices \
                                 when it stops answering; give it a `test` instead",
                                service.name
                            ),
                        ));
                    }
                }
                // The image built here has its own HEALTHCHECK: covered.
                None if cx.built(service).and_then(|b| b.healthcheck) == Some(true) => {}
                None if cx.built(service).and_then(|b| b.healthcheck) == Some(false) => {
                    out.push(finding_at(
                        &META,
                        service.name_origin,
                        format!(
                            "service `{}` has no healthcheck and its Dockerfile turns the \
                             image's off (`HEALTHCHECK NONE`); add a `healthcheck:` with a \
                             `test`",
                            service.name
                        ),
                    ));
                }
                None => {
                    let official = service.build.is_none()
                        && image_ref(service).is_some_and(|i| i.is_official());
                    let mut finding = finding_at(
                        &META,
                        service.name_origin,
                        if official {
                            format!(
                                "service `{}` has no healthcheck and its official image \
                                 defines none; add a `healthcheck:` with a `test`",
                                service.name
                            )
                        } else {
                            format!(
                                "service `{}` has no healthcheck; the image's HEALTHCHECK \
                                 may cover it, otherwise add a `healthcheck:` with a `test`",
                                service.name
                            )
                        },
                    );
                    if !official {
                        finding.severity = Severity::Info;
                    }
                    out.push(finding);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&HealthcheckMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &HealthcheckMissing,
            "services:\n  db:\n    image: postgres:16.4\n  app:\n    build: .\n  web:\n    image: nginx:1.27.2\n    healthcheck:\n      disable: true\n  api:\n    image: ghcr.io/org/api:1.0.0\n    healthcheck:\n      test: [\"NONE\"]\n",
            &[13, 4, 2, 9],
        );
        let found = findings_with(
            &HealthcheckMissing,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: postgres:16.4\n  app:\n    image: ghcr.io/org/app:1.0.0\n",
            )],
        );
        assert!(found[0].2.contains("may cover it"), "{found:?}");
        assert!(found[1].2.contains("official image"), "{found:?}");
        // The override file turns it off.
        let found = findings_with(
            &HealthcheckMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    healthcheck:\n      disable: true\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn severities() {
        let project = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
            let options = seaworthy_compose::Options {
                files: vec![dir.path().join("compose.yaml")],
                working_dir: dir.path().to_path_buf(),
                ..Default::default()
            };
            seaworthy_compose::load(&options).unwrap()
        };
        let p = project("services:\n  db:\n    image: postgres:16.4\n  app:\n    build: .\n");
        let settings = crate::Settings::default();
        let cx = ComposeContext::new(&p, &settings);
        let mut out = Vec::new();
        HealthcheckMissing.check(&cx, &mut out);
        let severities: Vec<Severity> = out.iter().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::Info, Severity::Warning]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &HealthcheckMissing,
            "services:\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n  web:\n    image: nginx:1.27.2\n    healthcheck:\n      test: curl -f http://localhost/\n      disable: false\n",
        );
        // A migration job.
        assert_clean(
            &HealthcheckMissing,
            "services:\n  migrate:\n    image: org/migrate:1.0.0\n  app:\n    image: org/app:1.0.0\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n",
        );
        // The Dockerfile the service builds has a HEALTHCHECK, in a base stage too.
        let built = |dockerfile: &str| {
            findings_with(
                &HealthcheckMissing,
                &crate::Settings::default(),
                &[
                    ("compose.yaml", "services:\n  app:\n    build: .\n"),
                    ("Dockerfile", dockerfile),
                ],
            )
        };
        assert_eq!(
            built("FROM alpine:3.20\nHEALTHCHECK CMD [\"/app\", \"health\"]\n"),
            []
        );
        assert_eq!(
            built(
                "FROM alpine:3.20 AS base\nHEALTHCHECK CMD [\"/app\", \"health\"]\n\
                 FROM base\nUSER 10001\n"
            ),
            []
        );
        // HEALTHCHECK NONE in the Dockerfile: a warning; none at all: info.
        let found = built("FROM alpine:3.20\nHEALTHCHECK NONE\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].2.contains("HEALTHCHECK NONE"), "{found:?}");
        assert_eq!(built("FROM alpine:3.20\nCMD [\"/app\"]\n").len(), 1);
    }
}
