use seaworthy_dockerfile::shell::Command;

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A script downloaded at build time is run unseen: `curl … | sh`, `wget -qO- … | bash`,
/// `sh -c "$(curl …)"`, `bash <(curl …)`.
pub struct CurlPipeShell;

static META: RuleMeta = RuleMeta {
    id: "SW1202",
    name: "curl-pipe-shell",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 22,
    aliases: &[],
    summary: "A RUN pipes a downloaded script straight into a shell.",
    why: "`curl https://… | sh` runs whatever the server returns at build time, as root, with \
          no record of what it was: the install script can change (or be replaced by an \
          attacker) between two builds of the same Dockerfile, and a download cut short runs \
          half a script. Download the script or release to a file, verify it against a \
          checksum kept in the Dockerfile (`ADD --checksum=sha256:…` or `sha256sum -c`), then \
          run it; or install the tool from a package or an official image instead.",
    bad: "FROM debian:12.7\nRUN curl -fsSL https://example.com/install.sh | sh\n",
    good: "FROM debian:12.7\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\\n    \
           https://example.com/install.sh /tmp/install.sh\nRUN sh /tmp/install.sh\n",
};

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ash", "ksh", "mksh"];
const DOWNLOADERS: &[&str] = &["curl", "wget"];

impl DockerfileRule for CurlPipeShell {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                for (i, cmd) in script.commands.iter().enumerate() {
                    let Some(name) = cmd
                        .name_str()
                        .filter(|n| SHELLS.contains(n) || *n == "source" || *n == ".")
                    else {
                        continue;
                    };
                    let downloader =
                        piped_from_download(script, i).or_else(|| substituted_download(cmd));
                    let Some(downloader) = downloader else {
                        continue;
                    };
                    let Some(word) = &cmd.name else { continue };
                    out.push(Finding::new(
                        &META,
                        run.source_span(word.span.clone()),
                        format!(
                            "`{name}` runs a script `{downloader}` downloads at build time, \
                             unverified; download it to a file, check its checksum, then run it"
                        ),
                    ));
                }
            }
        }
    }
}

/// `curl … | sh`: the downloader in an earlier stage of the same pipeline, and the shell
/// reading its script from the pipe (not `sh -c '…'`).
fn piped_from_download(
    script: &seaworthy_dockerfile::shell::Script,
    index: usize,
) -> Option<&'static str> {
    let cmd = &script.commands[index];
    let p = cmd.pipeline?;
    if cmd.position_in_pipeline == 0 || reads_script_from_args(cmd) {
        return None;
    }
    script.pipelines()[p].commands.iter().find_map(|&j| {
        let other = &script.commands[j];
        if other.position_in_pipeline >= cmd.position_in_pipeline {
            return None;
        }
        let name = other.name_str()?;
        DOWNLOADERS.iter().copied().find(|d| *d == name)
    })
}

/// `sh -c "$(curl …)"`, `bash <(wget -O- …)`, `. <(curl …)`.
fn substituted_download(cmd: &Command) -> Option<&'static str> {
    cmd.args.iter().find_map(|arg| {
        DOWNLOADERS.iter().copied().find(|d| {
            ["$(", "<(", "`"].iter().any(|open| {
                arg.raw
                    .split(open)
                    .skip(1)
                    .any(|inner| inner.trim_start().starts_with(d))
            })
        })
    })
}

/// `sh -c '…'` or `bash script.sh` run something other than their standard input;
/// `sh`, `bash -s -- args` and `bash -` read it.
fn reads_script_from_args(cmd: &Command) -> bool {
    for value in cmd.arg_values() {
        let Some(v) = value else { return true };
        match v {
            "-s" | "-" | "--" => return false,
            _ if v.starts_with("--") => {}
            _ if v.starts_with('-') => {
                if v.contains('c') {
                    return true;
                }
                if v.contains('s') {
                    return false;
                }
            }
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&CurlPipeShell);
    }

    #[test]
    fn fires() {
        assert_fires(
            &CurlPipeShell,
            "FROM debian\nRUN curl -fsSL https://x.sh | sh\n",
            &[2],
        );
        assert_fires(
            &CurlPipeShell,
            "FROM debian\nRUN wget -qO- https://x.sh | sudo bash -s -- -y\n",
            &[2],
        );
        assert_fires(
            &CurlPipeShell,
            "FROM debian\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x \\\n    | bash - \\\n && apt-get install -y nodejs\n",
            &[3],
        );
        assert_fires(
            &CurlPipeShell,
            "FROM debian\nRUN sh -c \"$(curl -fsSL https://x.sh)\"\n",
            &[2],
        );
        assert_fires(
            &CurlPipeShell,
            "FROM debian\nRUN bash <(curl -s https://x.sh)\n",
            &[2],
        );
        assert_fires(
            &CurlPipeShell,
            "FROM debian AS build\nRUN <<EOF\nset -e\ncurl -sSf https://sh.rustup.rs | sh -s -- -y\nEOF\nFROM debian\n",
            &[4],
        );
    }

    #[test]
    fn passes() {
        assert_clean(
            &CurlPipeShell,
            "FROM debian\nRUN curl -fsSLo /tmp/i.sh https://x.sh \\\n && echo \"abc  /tmp/i.sh\" | sha256sum -c \\\n && sh /tmp/i.sh\n",
        );
        assert_clean(
            &CurlPipeShell,
            "FROM debian\nRUN curl -fsSL https://x.tgz | tar -xz -C /opt\n",
        );
        assert_clean(
            &CurlPipeShell,
            "FROM debian\nRUN curl -s https://x/api | bash -c 'cat > /f'\n",
        );
        assert_clean(&CurlPipeShell, "FROM debian\nRUN echo 'echo hi' | sh\n");
        assert_clean(&CurlPipeShell, "FROM debian\nRUN sh ./install.sh\n");
    }
}
