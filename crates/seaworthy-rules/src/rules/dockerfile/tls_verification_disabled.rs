use seaworthy_dockerfile::shell::{Command, Word};
use seaworthy_dockerfile::{Args, Expanded, Keyword, RunScript, Span};

use super::{starts_word, DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The build turns off TLS certificate verification: `curl -k`, `wget
/// --no-check-certificate`, `pip --trusted-host`, `git config http.sslVerify false`, `npm config
/// set strict-ssl false`, `sslverify=0` for yum/dnf, or one of the environment variables that
/// do the same (`PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`,
/// `NPM_CONFIG_STRICT_SSL=false`, `GIT_SSL_NO_VERIFY`, `PIP_TRUSTED_HOST`) set by `ARG`, `ENV`
/// or in a `RUN`. `ARG` and `ENV` values are checked after expansion, as the build sees them.
pub struct TlsVerificationDisabled;

static META: RuleMeta = RuleMeta {
    id: "SW1215",
    name: "tls-verification-disabled",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 21,
    aliases: &[
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
    ],
    summary: "The build disables TLS certificate verification for a download.",
    why: "Without certificate verification anyone on the network path (a proxy, a hijacked \
          DNS answer, a hostile Wi-Fi or CI network) can answer in the server's name, and \
          whatever they send is installed into the image as root. An `ENV` that disables \
          verification also ships in the image and weakens every HTTPS call the application \
          makes at runtime. When a corporate proxy re-signs traffic, add its CA certificate to \
          the trust store (`COPY corp-ca.crt /usr/local/share/ca-certificates/` and \
          `update-ca-certificates`, or `--cacert`, `PIP_CERT`, `NODE_EXTRA_CA_CERTS`, \
          `npm config set cafile`) instead of turning verification off.",
    bad: "FROM debian:12.7\nRUN curl -kfsSLo /tmp/tool.tgz https://example.com/tool.tgz\n",
    good: "FROM debian:12.7\nRUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz\n",
};

/// An environment variable that disables verification, and whether a value does.
fn env_disables(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let v = value.trim().to_ascii_lowercase();
    match upper.as_str() {
        // Python (PEP 493) and Node check for exactly `0`.
        "PYTHONHTTPSVERIFY" if name == upper => v == "0",
        "NODE_TLS_REJECT_UNAUTHORIZED" if name == upper => v == "0",
        // npm reads `npm_config_*` in any case.
        "NPM_CONFIG_STRICT_SSL" => matches!(v.as_str(), "false" | "0" | "no"),
        // Git only asks whether the variable is set.
        "GIT_SSL_NO_VERIFY" if name == upper => true,
        "PIP_TRUSTED_HOST" if name == upper => !v.is_empty(),
        _ => false,
    }
}

impl DockerfileRule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let ins = step.instruction;
                match (&step.expanded, &ins.args) {
                    (Expanded::Arg(args), _) if ins.kind == Keyword::Arg => {
                        for arg in args {
                            let Some(value) = &arg.value else { continue };
                            if env_disables(&arg.name, value) {
                                out.push(env_finding(arg.span, &arg.name, value, "ARG"));
                            }
                        }
                    }
                    (Expanded::Env(pairs), Args::KeyValues(kvs)) => {
                        for ((key, value), kv) in pairs.iter().zip(kvs) {
                            if env_disables(key, value) {
                                out.push(env_finding(kv.key, key, value, "ENV"));
                            }
                        }
                    }
                    _ => {}
                }
                if let Some(run) = &step.run {
                    check_run(run, out);
                }
            }
        }
    }
}

fn env_finding(span: Span, name: &str, value: &str, keyword: &str) -> Finding {
    let scope = if keyword == "ENV" {
        "the build and the running container"
    } else {
        "the RUN instructions after it"
    };
    Finding::new(
        &META,
        span,
        format!(
            "`{keyword} {name}={value}` turns off TLS certificate verification for {scope}; \
             trust the needed CA certificate instead"
        ),
    )
}

fn check_run(run: &RunScript, out: &mut Vec<Finding>) {
    let Some(script) = run.script() else { return };
    let mut found: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for cmd in &script.commands {
        for word in assignment_words(cmd) {
            let Some((name, value)) = word.value_str().and_then(|v| v.split_once('=')) else {
                continue;
            };
            if env_disables(name, value) {
                found.push((word.span.clone(), format!("`{name}={value}`")));
            }
        }
        if let Some((span, what)) = insecure_flag(cmd) {
            found.push((span, what));
        }
    }
    found.extend(sslverify_off(&run.text));
    found.sort_by_key(|(s, _)| s.start);
    found.dedup_by_key(|(s, _)| s.start);
    for (span, what) in found {
        out.push(Finding::new(
            &META,
            run.source_span(span),
            format!(
                "{what} turns off TLS certificate verification: the download can be replaced \
                 in transit; trust the needed CA certificate instead"
            ),
        ));
    }
}

/// `VAR=value cmd`, `export VAR=value`, `env VAR=value cmd`.
fn assignment_words(cmd: &Command) -> impl Iterator<Item = &Word> {
    let declares = matches!(
        cmd.name_str(),
        Some("export" | "env" | "declare" | "typeset" | "readonly" | "local")
    );
    cmd.assignments
        .iter()
        .chain(cmd.args.iter().filter(move |_| declares))
}

/// The word of a command that turns verification off, and how to name it.
fn insecure_flag(cmd: &Command) -> Option<(std::ops::Range<usize>, String)> {
    let name = cmd.name_str()?;
    let values: Vec<(&Word, &str)> = cmd
        .args
        .iter()
        .filter_map(|w| w.value_str().map(|v| (w, v)))
        .collect();
    let word_with = |pred: &dyn Fn(&str) -> bool| -> Option<&Word> {
        values.iter().find(|(_, v)| pred(v)).map(|(w, _)| *w)
    };
    let hit = |w: &Word, what: String| Some((w.span.clone(), what));
    match name {
        "curl" => {
            let w = word_with(&|v| {
                v == "--insecure"
                    || (v.starts_with('-')
                        && !v.starts_with("--")
                        && v[1..].chars().all(|c| c.is_ascii_alphanumeric())
                        && v.contains('k'))
            })?;
            hit(w, format!("`curl {}`", w.value_str().unwrap_or("-k")))
        }
        "wget" => {
            let w = word_with(&|v| v == "--no-check-certificate")?;
            hit(w, "`wget --no-check-certificate`".into())
        }
        "pip" | "pip3" | "uv" | "pipenv" | "poetry" => {
            let w = word_with(&|v| v == "--trusted-host" || v.starts_with("--trusted-host="))
                .or_else(|| {
                    // `pip config set global.trusted-host example.com`
                    word_with(&|v| v.ends_with(".trusted-host"))
                })?;
            hit(w, format!("`{name} --trusted-host`"))
        }
        _ if name.starts_with("pip3.") || name.starts_with("python") => {
            let w = word_with(&|v| v == "--trusted-host" || v.starts_with("--trusted-host="))?;
            hit(w, "`pip --trusted-host`".into())
        }
        "npm" | "yarn" | "pnpm" => {
            // `npm config set strict-ssl false`, `npm set strict-ssl=false`,
            // `yarn config set strict-ssl false`, `npm install --strict-ssl=false`.
            let i = values.iter().position(|(_, v)| {
                let v = v.trim_start_matches('-');
                v == "strict-ssl" || v.starts_with("strict-ssl=")
            })?;
            let (w, v) = values[i];
            let value = match v.split_once('=') {
                Some((_, value)) => value.to_string(),
                None => values
                    .get(i + 1)
                    .map_or(String::new(), |(_, v)| v.to_string()),
            };
            matches!(value.to_ascii_lowercase().as_str(), "false" | "0")
                .then(|| (w.span.clone(), format!("`{name} strict-ssl false`")))
        }
        "git" => {
            // `git config --global http.sslVerify false`, `git -c http.sslVerify=false clone`.
            let i = values.iter().position(|(_, v)| {
                let lower = v.to_ascii_lowercase();
                lower.starts_with("http.") && {
                    let key = lower.split('=').next().unwrap_or("");
                    key.ends_with(".sslverify")
                }
            })?;
            let (w, v) = values[i];
            let value = match v.split_once('=') {
                Some((_, value)) => value.to_string(),
                None => values
                    .get(i + 1)
                    .map_or(String::new(), |(_, v)| v.to_string()),
            };
            matches!(
                value.to_ascii_lowercase().as_str(),
                "false" | "0" | "no" | "off"
            )
            .then(|| (w.span.clone(), "`git http.sslVerify false`".to_string()))
        }
        _ => None,
    }
}

/// `sslverify=0` / `sslverify=false` for yum and dnf, on the command line (`--setopt`) or in a
/// repository file the script writes (`echo`, heredoc), outside comments.
fn sslverify_off(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in lower.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            let mut from = 0;
            while let Some(at) = line[from..].find("sslverify") {
                let start = from + at;
                from = start + "sslverify".len();
                if !starts_word(line, start) {
                    continue;
                }
                let rest = line[from..].trim_start();
                let Some(rest) = rest.strip_prefix('=') else {
                    continue;
                };
                let value: String = rest
                    .trim_start()
                    .trim_start_matches(['"', '\''])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                if matches!(value.as_str(), "0" | "false" | "no" | "off") {
                    let s = line_start + start;
                    found.push((s..s + "sslverify".len(), format!("`sslverify={value}`")));
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
        assert_documented_examples(&TlsVerificationDisabled);
    }

    #[test]
    fn fires() {
        let r = &TlsVerificationDisabled;
        assert_fires(r, "FROM debian\nRUN curl -k https://x/a\n", &[2]);
        assert_fires(
            r,
            "FROM debian\nRUN curl --insecure -o a https://x/a\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM debian\nRUN apt-get update && \\\n    wget --no-check-certificate https://x/a\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM python:3.12\nRUN pip install --trusted-host pypi.org -r r.txt\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python:3.12\nRUN pip config set global.trusted-host pypi.org\n",
            &[2],
        );
        assert_fires(r, "FROM python:3.12\nENV PYTHONHTTPSVERIFY=0\n", &[2]);
        assert_fires(
            r,
            "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED 0\n",
            &[2],
        );
        assert_fires(r, "FROM node:22\nARG NPM_CONFIG_STRICT_SSL=false\n", &[2]);
        assert_fires(r, "FROM node:22\nENV npm_config_strict_ssl=false\n", &[2]);
        // The value as the build resolves it.
        assert_fires(
            r,
            "FROM node:22\nARG VERIFY=0\nENV NODE_TLS_REJECT_UNAUTHORIZED=$VERIFY\n",
            &[3],
        );
        assert_fires(r, "FROM alpine\nENV GIT_SSL_NO_VERIFY=true\n", &[2]);
        assert_fires(r, "FROM python:3.12\nENV PIP_TRUSTED_HOST=pypi.org\n", &[2]);
        assert_fires(
            r,
            "FROM node:22\nRUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node:22\nRUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node:22\nRUN npm config set strict-ssl false\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node:22\nRUN yarn config set strict-ssl false\n",
            &[2],
        );
        assert_fires(r, "FROM node:22\nRUN npm set strict-ssl=false\n", &[2]);
        assert_fires(
            r,
            "FROM alpine\nRUN git config --global http.sslVerify false\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM alpine\nRUN git -c http.sslverify=false clone https://x/r\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM fedora\nRUN echo 'sslverify=0' >> /etc/dnf/dnf.conf\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM fedora\nRUN dnf --setopt=sslverify=false install -y git\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM rockylinux:9\nRUN <<EOF\ncat > /etc/yum.repos.d/x.repo <<'REPO'\n[x]\nbaseurl=https://x\nsslverify = False\nREPO\ndnf install -y x\nEOF\n",
            &[6],
        );
        assert_fires(
            r,
            "FROM debian AS build\nRUN sh -c 'curl -k https://x/a'\nFROM debian\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &TlsVerificationDisabled;
        assert_clean(r, "FROM debian\nRUN curl -fsSL https://x/a\n");
        assert_clean(r, "FROM debian\nRUN curl -K /etc/curlrc https://x/a\n");
        assert_clean(r, "FROM debian\nRUN curl --cacert /ca.pem https://x/a\n");
        assert_clean(r, "FROM debian\nRUN wget -q https://x/a\n");
        assert_clean(r, "FROM python:3.12\nENV PYTHONHTTPSVERIFY=1\n");
        assert_clean(r, "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\n");
        assert_clean(r, "FROM node:22\nENV NODE_EXTRA_CA_CERTS=/ca.pem\n");
        assert_clean(r, "FROM node:22\nRUN npm config set strict-ssl true\n");
        // An ARG without a value sets nothing.
        assert_clean(r, "FROM alpine\nARG GIT_SSL_NO_VERIFY\n");
        assert_clean(
            r,
            "FROM alpine\nRUN git config --global http.sslVerify true\n",
        );
        assert_clean(
            r,
            "FROM fedora\nRUN echo 'sslverify=1' >> /etc/dnf/dnf.conf\n",
        );
        assert_clean(
            r,
            "FROM fedora\nRUN dnf install -y git \\\n# sslverify=0 would be wrong\n && true\n",
        );
        assert_clean(r, "FROM debian\nRUN echo curl -k\n");
    }
}
