use seaworthy_compose::{Origin, Service};

use super::yaml_edit::{NewValue, Seg, ServiceSite, Written};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, Fix, RuleMeta, Severity};

/// `security_opt` lacks `no-new-privileges:true`: setuid binaries can still raise privileges.
pub struct NoNewPrivilegesMissing;

static META: RuleMeta = RuleMeta {
    id: "SW2305",
    name: "compose-no-new-privileges-missing",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 18,
    aliases: &["CIS-5.25"],
    summary: "A service does not set `no-new-privileges`.",
    why: "Without `no-new-privileges`, a process in the container can gain privileges through \
          setuid and setgid binaries (`su`, `sudo`, `passwd`) or file capabilities: an attacker \
          running as the unprivileged user becomes root inside the container. Accepted \
          spellings, as Docker reads them: `no-new-privileges:true`, `no-new-privileges=true` \
          and `no-new-privileges` alone; `no-new-privileges:false` is reported. A daemon-wide \
          `\"no-new-privileges\": true` in daemon.json also covers it, but a Compose file \
          cannot rely on the host it is deployed to. `seaworthy fix` adds the option (a safe \
          fix); turning a written `no-new-privileges:false` to true undoes a decision, and \
          needs `--unsafe-fixes`.",
    bad:
        "services:\n  app:\n    image: nginx:1.27.2\n  worker:\n    image: myorg/worker:2.1.0\n    \
          security_opt:\n      - no-new-privileges:false\n",
    good: "services:\n  app:\n    image: nginx:1.27.2\n    security_opt:\n      \
           - no-new-privileges:true\n  worker:\n    image: myorg/worker:2.1.0\n    \
           security_opt:\n      - no-new-privileges:true\n",
};

/// `Some(enabled)` when `opt` is a no-new-privileges option.
fn no_new_privileges(opt: &str) -> Option<bool> {
    let opt = opt.trim();
    let rest = opt.strip_prefix("no-new-privileges")?;
    if rest.is_empty() {
        return Some(true);
    }
    let value = rest.strip_prefix([':', '='])?;
    Some(value.trim().eq_ignore_ascii_case("true"))
}

const OPTION: &str = "no-new-privileges:true";

/// `no-new-privileges:true` added: a new `security_opt` list, or an item appended to the one
/// written in the service.
fn add_option(cx: &ComposeContext<'_>, service: &Service, file: usize) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, file)?;
    let option = NewValue::str(OPTION);
    match site.key("security_opt") {
        Written::Missing => site.add_key("security_opt", &NewValue::List(vec![option]))?,
        Written::Here => site.push_item(&["security_opt"], &option)?,
        Written::Elsewhere => return None,
    }
    Some(Fix::safe(
        "add `no-new-privileges:true` to `security_opt`",
        site.finish()?,
    ))
}

/// The written `no-new-privileges:false` at `origin` turned to true: unsafe, it reverses what
/// the user wrote.
fn turn_on(cx: &ComposeContext<'_>, service: &Service, origin: Origin) -> Option<Fix> {
    let mut site = ServiceSite::find(cx.project, service, origin.file)?;
    if site.key("security_opt") != Written::Here {
        return None;
    }
    let items = site.node(&["security_opt"])?.as_seq()?;
    let index = items.iter().position(|i| i.span == origin.span)?;
    let written = items[index].as_str()?;
    let cut = written.rfind([':', '='])?;
    let on = format!("{}true", &written[..=cut]);
    let mut path = site.path(&["security_opt"]);
    path.push(Seg::Index(index));
    site.replace_at(&path, &NewValue::Str(on))?;
    Some(Fix::unsafe_(
        "turn `no-new-privileges` on (it was turned off on purpose?)",
        site.finish()?,
    ))
}

impl ComposeRule for NoNewPrivilegesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::Unsafe
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let mut found = None;
            for opt in &service.security_opt {
                if let Some(enabled) = no_new_privileges(&opt.value) {
                    found = Some((enabled, opt.origin));
                }
            }
            let (finding, fix) = match found {
                Some((true, _)) => continue,
                Some((false, origin)) => (
                    finding_at(
                        &META,
                        origin,
                        format!(
                            "service `{}` turns no-new-privileges off: set \
                             `no-new-privileges:true`",
                            service.name
                        ),
                    ),
                    turn_on(cx, service, origin),
                ),
                None => {
                    let finding = finding_at(
                        &META,
                        service
                            .raw
                            .get("security_opt")
                            .map_or(service.name_origin, |t| t.origin),
                        format!(
                            "service `{}` lets setuid binaries raise privileges: add \
                             `security_opt: [\"no-new-privileges:true\"]`",
                            service.name
                        ),
                    );
                    let fix = add_option(cx, service, finding.file);
                    (finding, fix)
                }
            };
            out.push(match fix {
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
        assert_documented_examples(&NoNewPrivilegesMissing);
    }

    #[test]
    fn fires() {
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n",
            &[2],
        );
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:false\n",
            &[5],
        );
        assert_fires(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt: [\"seccomp=unconfined\"]\n",
            &[4],
        );
        // The override turns it off.
        let found = findings_with(
            &NoNewPrivilegesMissing,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    security_opt: [no-new-privileges:true]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    security_opt: !override\n      - no-new-privileges:${NNP:-false}\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 4)]);
    }

    #[test]
    fn passes() {
        for opt in [
            "no-new-privileges:true",
            "no-new-privileges=true",
            "no-new-privileges",
            "no-new-privileges:TRUE",
        ] {
            assert_clean(
                &NoNewPrivilegesMissing,
                &format!(
                    "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      \
                     - apparmor=docker-default\n      - {opt}\n"
                ),
            );
        }
    }

    #[test]
    fn fix_adds_the_option() {
        use crate::FixKind::Safe;
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop:\n    - ALL\n",
            "services:\n  a:\n    image: x:1.0.0\n    cap_drop:\n    - ALL\n    security_opt:\n    - no-new-privileges:true\n",
            Safe,
        );
        // Appended to a block list, quoted as its items are; to a flow list, quoted.
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    security_opt:\n      - \"apparmor=docker-default\" # profile\n    image: x:1.0.0\n",
            "services:\n  a:\n    security_opt:\n      - \"apparmor=docker-default\" # profile\n      - \"no-new-privileges:true\"\n    image: x:1.0.0\n",
            Safe,
        );
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\r\n    a:\r\n        image: x:1.0.0\r\n        security_opt: [seccomp=default.json]",
            "services:\r\n    a:\r\n        image: x:1.0.0\r\n        security_opt: [seccomp=default.json, \"no-new-privileges:true\"]",
            Safe,
        );
        // A file that writes its lists in flow style gets a flow list.
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    ports: [\"80:80\"]\n",
            "services:\n  a:\n    image: x:1.0.0\n    ports: [\"80:80\"]\n    security_opt: [\"no-new-privileges:true\"]\n",
            Safe,
        );
    }

    #[test]
    fn fix_turns_a_written_false_on_unsafely() {
        use crate::FixKind::Unsafe;
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:false\n",
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:true\n",
            Unsafe,
        );
        assert_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt: ['no-new-privileges=false', label=disable]\n",
            "services:\n  a:\n    image: x:1.0.0\n    security_opt: ['no-new-privileges=true', label=disable]\n",
            Unsafe,
        );
    }

    #[test]
    fn no_fix_where_the_edit_would_be_a_guess() {
        assert_no_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a: {image: x:1.0.0}\n",
        );
        assert_no_fix(
            &NoNewPrivilegesMissing,
            "services:\n  a:\n    image: x:1.0.0\n    security_opt:\n      - no-new-privileges:${NNP:-false}\n",
        );
        // The list is merged with the override's.
        assert_no_fix_in(
            &NoNewPrivilegesMissing,
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    image: x:1.0.0\n    security_opt: [label=disable]\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  a:\n    security_opt: [seccomp=unconfined]\n",
                ),
            ],
        );
    }
}
