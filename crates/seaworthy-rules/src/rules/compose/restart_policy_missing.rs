use std::collections::BTreeSet;

use seaworthy_compose::Service;

use super::yaml_edit::{NewValue, ServiceSite, Written};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

/// A service with neither `restart:` nor `deploy.restart_policy`: Docker's default is `no`,
/// so a crash or a host reboot leaves it stopped.
///
/// - `restart: "no"` written out is a decision (a one-shot job, a migration) and passes.
/// - A service another one waits for with `condition: service_completed_successfully` is a
///   one-shot job by construction and passes.
pub struct RestartPolicyMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2102",
    name: "compose-restart-policy-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 19,
    aliases: &["CIS-5.14"],
    summary: "A service has no restart policy.",
    why: "Without `restart:` a container that crashes, is killed by the OOM killer or stops \
          when the host or the Docker daemon restarts stays down until someone runs \
          `docker compose up` again. Use `restart: unless-stopped` for long-running \
          services, or `on-failure:5` to bound a crash loop (CIS recommends a maximum retry \
          count). A one-shot job says so with `restart: \"no\"`, which this rule accepts, as \
          it accepts a service another waits for with `condition: \
          service_completed_successfully`. `seaworthy fix` adds `restart: unless-stopped`, \
          or, to a service with `deploy:` (which Swarm reads and `restart:` does not reach), \
          `deploy.restart_policy.condition: any`, Swarm's own default.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    restart: unless-stopped\n  migrate:\n    image: myorg/migrate:1.4.0\n    restart: \"no\"\n",
};

/// Services some other service waits for until they complete: one-shot jobs.
pub(super) fn awaited_jobs(cx: &ComposeContext<'_>) -> BTreeSet<String> {
    let mut jobs = BTreeSet::new();
    for service in cx.services() {
        let Some(entries) = service.raw.get("depends_on").and_then(|d| d.as_map()) else {
            continue;
        };
        for (name, spec) in entries {
            let condition = spec.get("condition").and_then(|c| c.as_str());
            if condition == Some("service_completed_successfully") {
                jobs.insert(name.value.clone());
            }
        }
    }
    jobs
}

/// `restart: unless-stopped` added; for a service with `deploy:`, which `docker stack deploy`
/// reads instead, `deploy.restart_policy` with Swarm's default condition `any` (what `docker
/// compose` reads as `restart: always`).
fn add_policy(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, file)?;
    let title = match site.key("deploy") {
        Written::Missing => {
            site.add_key("restart", &NewValue::str("unless-stopped"))?;
            "add `restart: unless-stopped`"
        }
        Written::Here => {
            let policy = NewValue::map([("condition", NewValue::str("any"))]);
            site.add_key_under(&["deploy"], "restart_policy", &policy)?;
            "add `deploy.restart_policy.condition: any`"
        }
        Written::Elsewhere => return None,
    };
    Some(Fix::safe(title, site.finish()?))
}

impl ComposeRule for RestartPolicyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Safe
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        let jobs = awaited_jobs(cx);
        for service in cx.services() {
            let has_policy = service
                .restart
                .as_ref()
                .is_some_and(|r| !r.value.trim().is_empty())
                || service
                    .deploy
                    .as_ref()
                    .is_some_and(|d| d.restart_policy.is_some());
            if has_policy || jobs.contains(&service.name) {
                continue;
            }
            let finding = finding_at(
                &META,
                service.name_origin,
                format!(
                    "service `{}` has no restart policy and stays down after a crash or a \
                     reboot; add `restart: unless-stopped` (or `on-failure:5`), or \
                     `restart: \"no\"` for a one-shot job",
                    service.name
                ),
            );
            out.push(match add_policy(cx, service, finding.file) {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&RestartPolicyMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &RestartPolicyMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: x:1.0.0\n    restart: always\n  c:\n    image: x:1.0.0\n    depends_on:\n      - a\n",
            &[2, 7],
        );
        // Waiting only for a start is not a job.
        assert_fires(
            &RestartPolicyMissing,
            "services:\n  db:\n    image: x:1.0.0\n  app:\n    image: x:1.0.0\n    restart: always\n    depends_on:\n      db:\n        condition: service_healthy\n",
            &[2],
        );
        // Interpolated to the empty string: no policy.
        let found = findings_with(
            &RestartPolicyMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    restart: ${RESTART}\n",
                ),
                (".env", "RESTART=\n"),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &RestartPolicyMissing,
            "services:\n  a:\n    image: x:1.0.0\n    restart: unless-stopped\n  b:\n    image: x:1.0.0\n    restart: \"no\"\n  c:\n    image: x:1.0.0\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 5\n",
        );
        // A migration job other services wait for.
        assert_clean(
            &RestartPolicyMissing,
            "services:\n  migrate:\n    image: x:1.0.0\n  app:\n    image: x:1.0.0\n    restart: always\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n",
        );
        // The policy comes from an override file.
        let found = findings_with(
            &RestartPolicyMissing,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    restart: on-failure:3\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn fix_adds_a_restart_policy() {
        use crate::FixKind::Safe;
        assert_fix(
            &RestartPolicyMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: x:1.0.0\n    restart: always\n",
            "services:\n  a:\n    image: x:1.0.0\n    restart: unless-stopped\n  b:\n    image: x:1.0.0\n    restart: always\n",
            Safe,
        );
        // In the file's quoting, after a comment line inside the block, no final newline.
        assert_fix(
            &RestartPolicyMissing,
            "services:\n  a:\n    image: \"x:1.0.0\"\n    # the port\n    ports: [\"80:80\"]",
            "services:\n  a:\n    image: \"x:1.0.0\"\n    # the port\n    ports: [\"80:80\"]\n    restart: \"unless-stopped\"",
            Safe,
        );
        // Swarm's `deploy:`, block or flow.
        assert_fix(
            &RestartPolicyMissing,
            "services:\n    a:\n        image: x:1.0.0\n        deploy:\n            replicas: 2\n",
            "services:\n    a:\n        image: x:1.0.0\n        deploy:\n            replicas: 2\n            restart_policy:\n                condition: any\n",
            Safe,
        );
        assert_fix(
            &RestartPolicyMissing,
            "services:\r\n  a:\r\n    deploy: {replicas: 2}\r\n    image: x:1.0.0\r\n",
            "services:\r\n  a:\r\n    deploy: {replicas: 2, restart_policy: {condition: any}}\r\n    image: x:1.0.0\r\n",
            Safe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        assert_no_fix(&RestartPolicyMissing, "services:\n  a: {image: x:1.0.0}\n");
        // Interpolated to nothing: the variable is the user's to set.
        assert_no_fix_in(
            &RestartPolicyMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    restart: ${RESTART}\n",
                ),
                (".env", "RESTART=\n"),
            ],
        );
        // `deploy` from an anchor, or from an override file.
        assert_no_fix(
            &RestartPolicyMissing,
            "x-deploy: &deploy\n  replicas: 2\nservices:\n  a:\n    image: x:1.0.0\n    deploy: *deploy\n",
        );
        assert_no_fix_in(
            &RestartPolicyMissing,
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    deploy:\n      replicas: 2\n",
                ),
            ],
        );
    }
}
