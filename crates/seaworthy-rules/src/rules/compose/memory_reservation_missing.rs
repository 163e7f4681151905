use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service without a memory reservation: neither `deploy.resources.reservations.memory` nor
/// `mem_reservation`. The limit caps a service; the reservation is what it is promised.
pub struct MemoryReservationMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2105",
    name: "compose-memory-reservation-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 7,
    aliases: &[],
    summary: "A service reserves no memory.",
    why: "A limit caps what a service may take; a reservation is what it is promised. Swarm \
          places a service only on a node with its reservation free, and on a single host \
          Docker sets it as the cgroup's soft limit, which the kernel honours when memory runs \
          short: a service without one is the first to be squeezed by its neighbours, and \
          nothing stops more services being placed on a node than its memory holds. Set \
          `deploy.resources.reservations.memory` (or `mem_reservation`) to what the service \
          needs at steady state, below its limit. A reservation of 0 means none.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n        reservations:\n          memory: 128M\n",
};

impl ComposeRule for MemoryReservationMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let reserved = service
                .deploy
                .as_ref()
                .and_then(|d| d.reservations.as_ref())
                .and_then(|r| r.memory.as_ref())
                .is_some_and(|m| m.value > 0)
                || service
                    .raw
                    .get("mem_reservation")
                    .and_then(|m| m.scalar_text())
                    .and_then(|m| seaworthy_compose::load::parse_bytes(&m))
                    .is_some_and(|m| m > 0);
            if !reserved {
                out.push(finding_at(
                    &META,
                    service.name_origin,
                    format!(
                        "service `{}` reserves no memory; add \
                         `deploy.resources.reservations.memory` (or `mem_reservation`) below \
                         its limit",
                        service.name
                    ),
                ));
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
        assert_documented_examples(&MemoryReservationMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &MemoryReservationMissing,
            "services:\n  a:\n    image: x:1.0.0\n  b:\n    image: y:1.0.0\n    mem_reservation: 0\n  c:\n    image: z:1.0.0\n    deploy:\n      resources:\n        reservations:\n          cpus: \"0.5\"\n",
            &[2, 4, 7],
        );
        // Interpolated to zero in .env: none.
        let found = findings_with(
            &MemoryReservationMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    mem_reservation: ${RES:-64m}\n",
                ),
                (".env", "RES=0\n"),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &MemoryReservationMissing,
            "services:\n  a:\n    image: x:1.0.0\n    mem_reservation: 64m\n  b:\n    image: y:1.0.0\n    deploy:\n      resources:\n        reservations:\n          memory: 1G\n",
        );
        // From an override file.
        let found = findings_with(
            &MemoryReservationMissing,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    mem_reservation: 128m\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
