use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The image has no healthcheck, or disables the one it inherits.
pub struct HealthcheckMissing;

static META: RuleMeta = RuleMeta {
    id: "SW3100",
    name: "image-healthcheck-missing",
    severity: Severity::Info,
    category: Category::Runtime,
    practice: 3,
    aliases: &["CIS-4.6"],
    summary: "The image has no healthcheck.",
    why: "Without a healthcheck Docker only knows whether the process is alive, not whether it \
          serves: a deadlocked server stays `running`, Compose's `depends_on: \
          condition: service_healthy` cannot wait for it and Swarm never replaces it. Declare \
          a `HEALTHCHECK` that exercises the service, or check it from the orchestrator \
          (Kubernetes probes, a Compose `healthcheck:`) and ignore this rule for such images.",
    bad: "FROM debian:12.7-slim\nCOPY app /app\nCMD [\"/app/server\"]\n",
    good: "FROM debian:12.7-slim\nCOPY app /app\nHEALTHCHECK CMD [\"/app/server\", \"--health\"]\nCMD [\"/app/server\"]\n",
};

impl ImageRule for HealthcheckMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let message = match &cx.config.config.healthcheck {
            None => {
                "the image declares no healthcheck: Docker cannot tell a hung service from \
                     a healthy one; add a `HEALTHCHECK`"
            }
            Some(h) if h.is_disabled() => {
                "the image disables its healthcheck (`HEALTHCHECK NONE`): Docker cannot tell \
                 a hung service from a healthy one"
            }
            Some(h) if h.test.is_empty() => "the image's healthcheck has no test; add one",
            Some(_) => return,
        };
        out.push(Finding::at(&META, "Config.Healthcheck", message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn fires() {
        for hc in [
            None,
            Some(r#"{"Test": ["NONE"]}"#),
            Some(r#"{"Test": null}"#),
        ] {
            let mut w = hardened();
            w.set("Healthcheck", hc);
            assert_fires(&HealthcheckMissing, &w, &["Config.Healthcheck"]);
        }
    }

    #[test]
    fn passes() {
        assert_clean(&HealthcheckMissing, &hardened());
        let mut w = hardened();
        w.set(
            "Healthcheck",
            Some(r#"{"Test": ["CMD-SHELL", "/app/server --health"]}"#),
        );
        assert_clean(&HealthcheckMissing, &w);
    }
}
