use seaworthy_compose::Service;

use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service without a memory, CPU or PIDs limit: neither the service-level key (`mem_limit`,
/// `cpus`, `pids_limit`) nor `deploy.resources.limits.{memory,cpus,pids}`. One finding per
/// service names every missing limit.
pub struct ResourceLimitsMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2100",
    name: "compose-resource-limits-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 7,
    aliases: &["CIS-5.10", "CIS-5.11", "CIS-5.28"],
    summary: "A service has no memory, CPU or PIDs limit.",
    why: "Without limits one container can take all the host's memory (the kernel's OOM \
          killer then picks a victim, often another service or the Docker daemon), all its \
          CPU, or fork until the host's process table is full: a leak or a fork bomb in one \
          service takes down every service on the host. Set `deploy.resources.limits` \
          (`memory`, `cpus`, `pids`; honoured by `docker compose`, not only Swarm) or the \
          service keys `mem_limit`, `cpus`, `pids_limit`. A limit of 0 or -1 means none. \
          Differs from KICS: both spellings count whatever the file's `version:`, and limits \
          set in an override file or an `extends` base are seen.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n          cpus: \"0.5\"\n          pids: 200\n",
};

/// The limits `service` lacks, in the order memory, CPU, PIDs.
fn missing_limits(service: &Service) -> Vec<(&'static str, &'static str)> {
    let limits = service.deploy.as_ref().and_then(|d| d.limits.as_ref());
    let memory = service.mem_limit.as_ref().is_some_and(|m| m.value > 0)
        || limits
            .and_then(|l| l.memory.as_ref())
            .is_some_and(|m| m.value > 0);
    let cpu = service.cpus.as_ref().is_some_and(|c| c.value > 0.0)
        || limits
            .and_then(|l| l.cpus.as_ref())
            .is_some_and(|c| c.value > 0.0)
        || service
            .raw
            .get("cpu_quota")
            .and_then(|q| q.scalar_text())
            .and_then(|q| q.parse::<i64>().ok())
            .is_some_and(|q| q > 0);
    let pids = service.pids_limit.as_ref().is_some_and(|p| p.value > 0)
        || limits
            .and_then(|l| l.pids.as_ref())
            .is_some_and(|p| p.value > 0);
    let mut missing = Vec::new();
    if !memory {
        missing.push((
            "memory",
            "`deploy.resources.limits.memory` (or `mem_limit`)",
        ));
    }
    if !cpu {
        missing.push(("CPU", "`deploy.resources.limits.cpus` (or `cpus`)"));
    }
    if !pids {
        missing.push(("PIDs", "`deploy.resources.limits.pids` (or `pids_limit`)"));
    }
    missing
}

/// `memory`, `memory or CPU`, `memory, CPU or PIDs`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

impl ComposeRule for ResourceLimitsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let missing = missing_limits(service);
            if missing.is_empty() {
                continue;
            }
            out.push(finding_at(
                &META,
                service.name_origin,
                format!(
                    "service `{}` has no {} limit; add {}",
                    service.name,
                    join_or(&missing.iter().map(|m| m.0).collect::<Vec<_>>()),
                    missing.iter().map(|m| m.1).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ResourceLimitsMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &ResourceLimitsMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: y:1.0.0\n    mem_limit: 512m\n    cpus: 0.5\n    pids_limit: -1\n",
            &[2, 4],
        );
        let found = findings_with(
            &ResourceLimitsMissing,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  b:\n    image: y:1.0.0\n    mem_limit: 512m\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n          memory: 512m\n",
            )],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("no PIDs limit"), "{found:?}");
        assert!(!found[0].2.contains("memory"), "{found:?}");
        // Quoted service names are found.
        assert_fires(
            &ResourceLimitsMissing,
            "services:\n  \"web\":\n    image: x:1.0.0\n",
            &[2],
        );
        // Interpolated to zero: no limit.
        let found = findings_with(
            &ResourceLimitsMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    mem_limit: ${MEM:-1g}\n    cpus: ${CPUS:-1}\n    pids_limit: ${PIDS:-100}\n",
                ),
                (".env", "PIDS=0\n"),
            ],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].2.contains("no PIDs limit"), "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &ResourceLimitsMissing,
            "services:\n  a:\n    image: x:1.0.0\n    mem_limit: 512m\n    cpus: 0.5\n    pids_limit: 100\n",
        );
        // Limits from an override file.
        let found = findings_with(
            &ResourceLimitsMissing,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n          cpus: \"2\"\n          pids: 300\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
