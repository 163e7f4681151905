use std::ops::Range;

use seaworthy_dockerfile::shell::Command;

use super::{starts_word, DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A package manager is told to install packages whose signature it cannot check: `apk
/// --allow-untrusted`, `apt-get --allow-unauthenticated` / `--force-yes` /
/// `-o APT::Get::AllowUnauthenticated=true` / `--allow-insecure-repositories`, a `[trusted=yes]`
/// APT source, `yum`/`dnf`/`tdnf`/`microdnf --nogpgcheck` or `gpgcheck=0`, `rpm --nosignature`
/// / `--nodigest` / `--nofiledigest` / `--noverify`, `zypper --no-gpg-checks`.
pub struct PackageSignatureUnchecked;

static META: RuleMeta = RuleMeta {
    id: "SW1216",
    name: "package-signature-unchecked",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 21,
    aliases: &[
        "CKV2_DOCKER_7",
        "CKV2_DOCKER_8",
        "CKV2_DOCKER_9",
        "CKV2_DOCKER_10",
        "CKV2_DOCKER_11",
    ],
    summary: "A package manager installs packages without checking their signatures.",
    why: "Package signatures are what proves a package comes from the distribution or vendor \
          and was not altered on a mirror, a proxy or in transit; repositories are often \
          served over plain HTTP precisely because the signature is checked. Turning the check \
          off installs whatever arrives, as root, into the image. Import the repository's \
          signing key instead (`/etc/apt/keyrings/*.gpg` with `signed-by=`, `rpm --import`, \
          a key in /etc/apk/keys), or build the package yourself in a build stage.",
    bad: "FROM alpine:3.20.3\nRUN apk add --no-cache --allow-untrusted /tmp/tool.apk\n",
    good: "FROM alpine:3.20.3\nCOPY tool.rsa.pub /etc/apk/keys/\nRUN apk add --no-cache /tmp/tool.apk\n",
};

impl DockerfileRule for PackageSignatureUnchecked {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let mut found: Vec<(Range<usize>, String)> =
                    script.commands.iter().filter_map(unchecked_flag).collect();
                found.extend(text_settings(&run.text));
                found.sort_by_key(|(s, _)| s.start);
                found.dedup_by_key(|(s, _)| s.start);
                for (span, what) in found {
                    out.push(Finding::new(
                        &META,
                        run.source_span(span),
                        format!(
                            "{what} installs packages without checking their signatures; \
                             import the repository's signing key instead"
                        ),
                    ));
                }
            }
        }
    }
}

fn unchecked_flag(cmd: &Command) -> Option<(Range<usize>, String)> {
    let name = cmd.name_str()?;
    // `apk index --allow-untrusted` builds the index of packages built in this RUN (which is
    // then signed); it installs nothing.
    let first_operand = cmd
        .args
        .iter()
        .filter_map(|w| w.value_str())
        .find(|v| !v.starts_with('-'));
    if name == "apk" && first_operand == Some("index") {
        return None;
    }
    let bad: &dyn Fn(&str) -> bool = match name {
        "apk" => &|v| v == "--allow-untrusted",
        "apt-get" | "apt" | "aptitude" => &|v| {
            let lower = v.to_ascii_lowercase();
            matches!(
                v,
                "--allow-unauthenticated" | "--force-yes" | "--allow-insecure-repositories"
            ) || ((lower.contains("apt::get::allowunauthenticated")
                || lower.contains("acquire::allowinsecurerepositories"))
                && ["=true", "=1", "=yes"]
                    .iter()
                    .any(|t| lower.trim_end_matches(['"', '\'']).ends_with(t)))
        },
        "yum" | "dnf" | "tdnf" | "microdnf" | "dnf5" | "yum-config-manager"
        | "dnf-config-manager" => &|v| v == "--nogpgcheck" || v == "--no-gpgcheck",
        "rpm" => &|v| {
            matches!(
                v,
                "--nosignature" | "--nodigest" | "--nofiledigest" | "--noverify"
            )
        },
        "zypper" => &|v| v == "--no-gpg-checks" || v == "--no-gpg-check",
        _ => return None,
    };
    let word = cmd
        .args
        .iter()
        .take_while(|w| w.value_str() != Some("--"))
        .find(|w| w.value_str().is_some_and(bad))?;
    Some((
        word.span.clone(),
        format!("`{name} {}`", word.value_str().unwrap_or("")),
    ))
}

/// Settings written anywhere in the script (a repository file, `--setopt`, an APT source):
/// `gpgcheck=0`, `[trusted=yes]`; comment lines excluded.
fn text_settings(text: &str) -> Vec<(Range<usize>, String)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in lower.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') {
            for key in ["gpgcheck", "trusted"] {
                let mut from = 0;
                while let Some(at) = line[from..].find(key) {
                    let start = from + at;
                    from = start + key.len();
                    // `repo_gpgcheck=0` only skips the repository metadata signature, and the
                    // `trusted` of `--trusted-host` is not an APT option.
                    if !starts_word(line, start) {
                        continue;
                    }
                    let Some(rest) = line[from..].trim_start().strip_prefix('=') else {
                        continue;
                    };
                    let value: String = rest
                        .trim_start()
                        .trim_start_matches(['"', '\''])
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    let off = match key {
                        "gpgcheck" => matches!(value.as_str(), "0" | "false" | "no" | "off"),
                        // A local repository (`deb [trusted=yes] file:///tmp/pkgs ./`) holds
                        // packages built in this very RUN: there is no signature to check.
                        _ => {
                            value == "yes"
                                && line[..start].contains('[')
                                && !line[from..]
                                    .split_once(']')
                                    .map(|(_, uri)| uri.trim_start())
                                    .is_some_and(|uri| {
                                        uri.starts_with("file:") || uri.starts_with("copy:")
                                    })
                        }
                    };
                    if off {
                        let s = line_start + start;
                        found.push((s..s + key.len(), format!("`{key}={value}`")));
                    }
                }
            }
        }
        line_start += line.len();
    }
    found
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PackageSignatureUnchecked);
    }

    #[test]
    fn fires() {
        let r = &PackageSignatureUnchecked;
        assert_fires(
            r,
            "FROM alpine\nRUN apk add --allow-untrusted x.apk\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update \\\n && apt-get install -y --allow-unauthenticated x\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get install -y --force-yes x\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get -o APT::Get::AllowUnauthenticated=true install -y x\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update --allow-insecure-repositories\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN echo 'deb [trusted=yes] http://x/ ./' > /etc/apt/sources.list.d/x.list\n",
            &[2],
        );
        assert_fires(r, "FROM fedora\nRUN dnf install -y --nogpgcheck x\n", &[2]);
        assert_fires(
            r,
            "FROM centos:7\nRUN sudo yum --nogpgcheck install -y x\n",
            &[2],
        );
        assert_fires(r, "FROM photon\nRUN tdnf install -y --nogpgcheck x\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN rpm -i --nosignature x.rpm\n", &[2]);
        assert_fires(r, "FROM fedora\nRUN rpm -Uvh --nodigest x.rpm\n", &[2]);
        assert_fires(
            r,
            "FROM opensuse/leap\nRUN zypper --no-gpg-checks install -y x\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM rockylinux:9\nRUN <<EOF\nprintf '[x]\\nbaseurl=http://x\\n' > /etc/yum.repos.d/x.repo\necho 'gpgcheck=0' >> /etc/yum.repos.d/x.repo\nEOF\n",
            &[4],
        );
        assert_fires(
            r,
            "FROM fedora AS build\nRUN dnf --setopt=gpgcheck=0 install -y x\nFROM fedora\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        // Packages built in the same RUN, served from a local repository or indexed locally.
        assert_clean(
            &PackageSignatureUnchecked,
            "FROM debian\nRUN echo \"deb [ trusted=yes ] file://$dir ./\" > /etc/apt/sources.list.d/t.list\n",
        );
        assert_clean(
            &PackageSignatureUnchecked,
            "FROM alpine\nRUN apk index --allow-untrusted -o /tmp/p/APKINDEX.tar.gz /tmp/p/*.apk\n",
        );
        let r = &PackageSignatureUnchecked;
        assert_clean(r, "FROM alpine\nRUN apk add --no-cache curl\n");
        assert_clean(
            r,
            "FROM debian\nRUN apt-get install -y --no-install-recommends x\n",
        );
        assert_clean(
            r,
            "FROM debian\nRUN echo 'deb [signed-by=/etc/apt/keyrings/x.gpg] https://x/ ./' > /etc/apt/sources.list.d/x.list\n",
        );
        assert_clean(
            r,
            "FROM rockylinux:9\nRUN printf '[x]\\ngpgcheck=1\\nrepo_gpgcheck=0\\n' > /etc/yum.repos.d/x.repo\n",
        );
        assert_clean(
            r,
            "FROM fedora\nRUN rpm --import https://x/key && rpm -i x.rpm\n",
        );
        assert_clean(r, "FROM python:3.12\nRUN pip install --trusted-host=x y\n");
        assert_clean(r, "FROM debian\nRUN echo --force-yes\n");
    }
}
