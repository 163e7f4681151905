use super::{at, ContainerContext, ContainerRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// No memory limit, unlimited swap, no CPU limit or no PIDs limit: one finding for each.
///
/// - Memory: `HostConfig.Memory` 0. Swap: `MemorySwap` -1 (unlimited) with a memory limit.
/// - CPU: none of `NanoCpus` (`--cpus`), `CpuQuota` (`--cpu-quota`) or `CpusetCpus`. CPU
///   shares are a relative weight under contention, not a limit, and do not count.
/// - PIDs: `PidsLimit` absent, 0 or -1. podman's default of 2048 (containers.conf
///   `pids_limit`) is a real cgroup limit and counts.
pub struct ContainerResourceLimitsMissing;

static META: RuleMeta = RuleMeta {
    id: "SW4007",
    name: "container-resource-limits-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 7,
    aliases: &[],
    summary: "A container has no memory, swap, CPU or PIDs limit.",
    why: "Without limits one container can take the whole host: a memory leak ends in the \
          kernel's OOM killer picking a victim on the host (maybe the daemon or a database), \
          a busy loop starves its neighbours, and a fork bomb or thread leak exhausts the \
          host's process table. Set `--memory` (with `--memory-swap` equal to it, so the \
          limit is not doubled by swap, and never -1), `--cpus` and `--pids-limit`. These \
          are CIS Docker Benchmark 5.10, 5.11 and 5.28, whose aliases \
          compose-resource-limits-missing holds.",
    bad: "docker run -d --name api registry.example/shop/api:1.4.2\n",
    good: "docker run -d --name api --memory 256m --memory-swap 256m --cpus 0.5 \\\n  --pids-limit 200 registry.example/shop/api:1.4.2\n",
};

impl ContainerRule for ContainerResourceLimitsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ContainerContext<'_>, out: &mut Vec<Finding>) {
        let h = cx.container.host();
        if h.memory <= 0 {
            out.push(at(
                &META,
                "HostConfig.Memory",
                "has no memory limit: set `--memory` (and `--memory-swap` to the same value)",
            ));
        } else if h.memory_swap == -1 {
            out.push(at(
                &META,
                "HostConfig.MemorySwap",
                "may use unlimited swap (`--memory-swap -1`): set `--memory-swap` to the \
                 memory limit",
            ));
        }
        if h.nano_cpus <= 0 && h.cpu_quota <= 0 && h.cpuset_cpus.trim().is_empty() {
            out.push(at(
                &META,
                "HostConfig.NanoCpus",
                "has no CPU limit: set `--cpus`",
            ));
        }
        if h.pids_limit.unwrap_or(0) <= 0 {
            out.push(at(
                &META,
                "HostConfig.PidsLimit",
                "has no PIDs limit: set `--pids-limit`",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_runtime::serde_json::json;

    #[test]
    fn fires() {
        assert_fires(
            &ContainerResourceLimitsMissing,
            &[
                ("/HostConfig/Memory", json!(0)),
                ("/HostConfig/MemorySwap", json!(0)),
                ("/HostConfig/NanoCpus", json!(0)),
                ("/HostConfig/PidsLimit", json!(null)),
            ],
            &[
                "HostConfig.Memory",
                "HostConfig.NanoCpus",
                "HostConfig.PidsLimit",
            ],
        );
        assert_fires(
            &ContainerResourceLimitsMissing,
            &[("/HostConfig/MemorySwap", json!(-1))],
            &["HostConfig.MemorySwap"],
        );
        assert_fires(
            &ContainerResourceLimitsMissing,
            &[("/HostConfig/PidsLimit", json!(-1))],
            &["HostConfig.PidsLimit"],
        );
        assert_fires(
            &ContainerResourceLimitsMissing,
            &[("/HostConfig/PidsLimit", json!(0))],
            &["HostConfig.PidsLimit"],
        );
        // Shares are not a limit.
        assert_fires(
            &ContainerResourceLimitsMissing,
            &[
                ("/HostConfig/NanoCpus", json!(0)),
                ("/HostConfig/CpuShares", json!(512)),
            ],
            &["HostConfig.NanoCpus"],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &ContainerResourceLimitsMissing,
            &[
                ("/HostConfig/NanoCpus", json!(0)),
                ("/HostConfig/CpuQuota", json!(50000)),
            ],
        );
        assert_clean(
            &ContainerResourceLimitsMissing,
            &[
                ("/HostConfig/NanoCpus", json!(null)),
                ("/HostConfig/CpusetCpus", json!("0,1")),
            ],
        );
        // podman's default PIDs limit.
        assert_clean(
            &ContainerResourceLimitsMissing,
            &[("/HostConfig/PidsLimit", json!(2048))],
        );
        // Swap left to Docker's default (twice the memory) is not reported.
        assert_clean(
            &ContainerResourceLimitsMissing,
            &[("/HostConfig/MemorySwap", json!(0))],
        );
    }
}
