use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `network_mode: bridge`: the service leaves the project's networks for Docker's default
/// bridge, `docker0`.
pub struct DefaultBridgeNetwork;

static META: RuleMeta = RuleMeta {
    id: "SW2503",
    name: "compose-default-bridge-network",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &["CIS-5.29"],
    summary: "A service is attached to Docker's default bridge network.",
    why: "Compose puts a project's services on networks of their own, isolated from other \
          projects, with DNS for service names. `network_mode: bridge` opts out: the \
          container joins `docker0`, which every container started without a network shares, \
          whatever project or `docker run` started it, and where inter-container traffic is \
          open by default (`icc`); service names do not resolve there either. Remove \
          `network_mode` and give the service the project networks it needs. The implicit \
          `default` network of a project is not the default bridge and is not reported.",
    bad: "services:\n  app:\n    image: nginx:1.27.2\n    network_mode: bridge\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    networks: [front]\nnetworks:\n  front: {}\n",
};

impl ComposeRule for DefaultBridgeNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let Some(mode) = &service.network_mode else {
                continue;
            };
            // Docker compares network modes case-insensitively; `default` is the bridge too.
            let mode_name = mode.value.trim().to_ascii_lowercase();
            if mode_name == "bridge" || mode_name == "default" {
                out.push(finding_at(
                    &META,
                    mode.origin,
                    format!(
                        "service `{}` is on Docker's default bridge, shared with every \
                         container started without a network; remove `network_mode: {}` and \
                         use the project's networks",
                        service.name,
                        mode.value.trim()
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
        assert_documented_examples(&DefaultBridgeNetwork);
    }

    #[test]
    fn fires() {
        assert_fires(
            &DefaultBridgeNetwork,
            "services:\n  a:\n    image: x:1.0.0\n    network_mode: bridge\n  b:\n    image: y:1.0.0\n    network_mode: \"Bridge\"\n",
            &[4, 7],
        );
        let found = findings_with(
            &DefaultBridgeNetwork,
            &crate::Settings::default(),
            &[
                ("compose.yaml", "services:\n  a:\n    image: x:1.0.0\n"),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    network_mode: ${MODE:-bridge}\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
    }

    #[test]
    fn passes() {
        assert_clean(
            &DefaultBridgeNetwork,
            "services:\n  a:\n    image: x:1.0.0\n",
        );
        for mode in ["none", "service:vpn", "container:abc", "host"] {
            assert_clean(
                &DefaultBridgeNetwork,
                &format!("services:\n  a:\n    image: x:1.0.0\n    network_mode: \"{mode}\"\n  vpn:\n    image: v:1.0.0\n"),
            );
        }
        // A service on the project's implicit default network.
        assert_clean(
            &DefaultBridgeNetwork,
            "services:\n  a:\n    image: x:1.0.0\n    networks: [default]\n",
        );
    }
}
