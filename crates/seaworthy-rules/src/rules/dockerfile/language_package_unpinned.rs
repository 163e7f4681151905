use seaworthy_dockerfile::shell::{Command, Word};

use super::packages::{
    name_list, node_call, operands_after, package_names, NPM_VALUE_FLAGS, YARN_VALUE_FLAGS,
};
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `pip install`, `npm install`, `yarn add`, `gem install` or `go install` names a package
/// without a version, so every rebuild installs the newest release of the day.
pub struct LanguagePackageUnpinned;

static META: RuleMeta = RuleMeta {
    id: "SW1211",
    name: "language-package-unpinned",
    severity: Severity::Warning,
    category: Category::Supply,
    practice: 10,
    aliases: &["DL3013", "DL3016", "DL3028", "DL3062"],
    summary: "A pip, npm, yarn, pnpm, gem or go package is installed without a version.",
    why: "`pip install flask` or `npm install -g pm2` installs the newest release on the day of \
          the build: a rebuild of an old commit ships different code, a new major version \
          breaks the image without any change to the repository, and a hijacked release \
          reaches production with the next build. Pin what the command line names \
          (`flask==3.0.3`, `pm2@5.4.2`, `bundler:2.5.22` or `-v 2.5.22`, \
          `golang.org/x/tools/gopls@v0.16.2`), or install from a lock or requirements file \
          (`pip install -r requirements.txt`, `npm ci`, `bundle install`), which this rule \
          leaves to the file. Local paths, archives and VCS URLs with a ref pass. Every stage \
          is checked; `pin_packages = false` turns the rule off. Differs from hadolint: a \
          lower bound alone (`flask>=3`, `pkg@>=1`) and a moving tag (`pkg@latest`, \
          `@master`, `@v1`) do not pin; `npm i`, `yarn add`, `pnpm add`, `uv pip install` \
          and a package named after `-r requirements.txt` are checked; a gem after \
          `--no-document` is not missed; `go run main.go`, `@none` and packages of the \
          current module (a path without a domain) are not reported; a git URL with a user \
          (`git+ssh://git@host/repo`) is not taken for a pinned ref; `go install std` builds \
          the standard library, not a module, and is not reported; `yarn global add` is \
          checked; PowerShell and cmd RUNs (Windows images) are not analysed.",
    bad: "FROM python:3.12.7-slim\nRUN pip install --no-cache-dir flask gunicorn\n",
    good: "FROM python:3.12.7-slim\nRUN pip install --no-cache-dir flask==3.0.3 gunicorn==23.0.0\n",
};

impl DockerfileRule for LanguagePackageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        if !cx.settings.pin_packages {
            return;
        }
        for stage in &cx.model.stages {
            for (index, step) in stage.steps.iter().enumerate() {
                let Some(run) = &step.run else { continue };
                let Some(script) = run.script() else { continue };
                let vars = cx.model.variables_before(stage.index, index);
                let constrained = vars.value("PIP_CONSTRAINT").is_some_and(|v| !v.is_empty());
                for cmd in &script.commands {
                    let Some(install) = language_install(cmd, constrained) else {
                        continue;
                    };
                    let names = package_names(&install.operands, &vars);
                    let unpinned: Vec<_> = names
                        .iter()
                        .filter(|p| !(install.pinned)(&p.text))
                        .collect();
                    let Some(first) = unpinned.first() else {
                        continue;
                    };
                    let list: Vec<&str> = unpinned.iter().map(|p| p.text.as_str()).collect();
                    out.push(Finding::new(
                        &META,
                        run.source_span(first.span.clone()),
                        format!(
                            "`{}` installs {} without a version; pin it like `{}`",
                            install.command,
                            name_list(&list),
                            install.example,
                        ),
                    ));
                }
            }
        }
    }
}

/// A language package manager's install: what it is called in messages, the packages it
/// names, and how that ecosystem writes a pinned package.
struct LanguageInstall<'c> {
    command: String,
    operands: Vec<&'c Word>,
    pinned: fn(&str) -> bool,
    example: &'static str,
}

fn language_install(cmd: &Command, constrained: bool) -> Option<LanguageInstall<'_>> {
    let name = cmd.name_str()?;
    if let Some(install) = pip_install(cmd, name, constrained) {
        return Some(install);
    }
    match name {
        "npm" | "yarn" | "pnpm" => node_install(cmd),
        "gem" => gem_install(cmd),
        "go" => go_install(cmd),
        _ => None,
    }
}

const PIP_VALUE_FLAGS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--root",
    "--prefix",
    "--src",
    "--upgrade-strategy",
    "--config-settings",
    "-C",
    "--global-option",
    "--install-option",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--progress-bar",
    "--root-user-action",
    "--report",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--cache-dir",
    "--log",
    "--python",
    "-p",
    "--keyring-provider",
    "-b",
    "--build",
    "--pip-args",
    "--suffix",
];

/// `pip install`, `pip3.12 install`, `python3 -m pip install`, `uv pip install`,
/// `pipx install`.
fn pip_install<'c>(cmd: &'c Command, name: &str, constrained: bool) -> Option<LanguageInstall<'c>> {
    let words = operands_after(cmd, cmd.name.as_ref()?, PIP_VALUE_FLAGS);
    let is_pip = name == "pipx"
        || name
            .strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let rest: &[&Word] = if is_pip {
        &words
    } else if name.starts_with("python") {
        // `python3 -m pip install …`: the module name is the value of `-m`.
        let m = cmd
            .args
            .iter()
            .position(|a| a.value.as_deref() == Some("-m"))?;
        if cmd.args.get(m + 1)?.value.as_deref() != Some("pip") {
            return None;
        }
        let pip = &cmd.args[m + 1];
        let start = words.iter().position(|w| w.span.start > pip.span.start)?;
        &words[start..]
    } else if name == "uv" {
        match words.first()?.value.as_deref() {
            Some("pip") => &words[1..],
            _ => return None,
        }
    } else {
        return None;
    };
    let (sub, packages) = rest.split_first()?;
    if sub.value.as_deref() != Some("install") {
        return None;
    }
    let constraint = constrained
        || cmd.has_flag(Some('c'), Some("constraint"))
        || cmd
            .assignments
            .iter()
            .any(|a| a.raw.starts_with("PIP_CONSTRAINT="));
    if constraint {
        return None;
    }
    Some(LanguageInstall {
        command: format!("{name} install"),
        operands: packages.to_vec(),
        pinned: pip_pinned,
        example: "flask==3.0.3",
    })
}

fn pip_pinned(text: &str) -> bool {
    if text.contains("==") || text.contains("~=") || text.contains('<') {
        return true;
    }
    let vcs = ["git+", "git://", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| text.starts_with(p));
    if vcs {
        // A ref after the repository (`…/repo@v1.2`), not a user (`git@github.com`).
        return text
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('@'));
    }
    is_local_or_url(text)
        || [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .any(|s| text.ends_with(s))
}

/// A path, `.` (with extras: `.[dev]`) or a URL: what it installs is fixed by the source.
fn is_local_or_url(text: &str) -> bool {
    text == "."
        || text.starts_with(".[")
        || text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with('/')
        || text.starts_with('~')
        || text.starts_with("file:")
        || text.contains("://")
        || text.contains('/')
}

/// `npm install|i|add <pkg>`, `yarn add`, `yarn global add`, `pnpm add|install <pkg>`.
fn node_install(cmd: &Command) -> Option<LanguageInstall<'_>> {
    let (tool, sub) = node_call(cmd)?;
    let sub = sub?;
    let flags = if tool == "npm" {
        NPM_VALUE_FLAGS
    } else {
        YARN_VALUE_FLAGS
    };
    let mut words = operands_after(cmd, sub, flags);
    let verb = sub.value.as_deref()?;
    let installs = match tool {
        "npm" => matches!(
            verb,
            "install"
                | "i"
                | "add"
                | "in"
                | "ins"
                | "inst"
                | "insta"
                | "instal"
                | "isnt"
                | "isnta"
                | "isntal"
                | "isntall"
        ),
        "yarn" if verb == "global" => {
            if words.first().and_then(|w| w.value.as_deref()) != Some("add") {
                return None;
            }
            words.remove(0);
            true
        }
        "yarn" => verb == "add",
        _ => matches!(verb, "add" | "install" | "i"),
    };
    if !installs {
        return None;
    }
    let command = match tool {
        "yarn" if verb == "global" => "yarn global add".to_owned(),
        _ => format!("{tool} {verb}"),
    };
    Some(LanguageInstall {
        command,
        operands: words,
        pinned: npm_pinned,
        example: "pm2@5.4.2",
    })
}

fn npm_pinned(text: &str) -> bool {
    let git = ["git:", "git+", "github:", "gitlab:", "bitbucket:", "gist:"]
        .iter()
        .any(|p| text.starts_with(p));
    // `user/repo` is GitHub shorthand; `@scope/name` is a package.
    if git
        || (text.contains('/') && !text.starts_with(['@', '.', '/', '~']) && !text.contains("://"))
    {
        return text.contains('#');
    }
    if text.starts_with(['.', '/', '~'])
        || text.starts_with("file:")
        || text.starts_with("link:")
        || text.contains("://")
        || [".tgz", ".tar.gz", ".tar"]
            .iter()
            .any(|s| text.ends_with(s))
    {
        return true;
    }
    let Some(at) = text.get(1..).and_then(|t| t.find('@')) else {
        return false;
    };
    let spec = &text[at + 2..];
    if let Some(alias) = spec.strip_prefix("npm:") {
        return npm_pinned(alias);
    }
    let first = spec.chars().next();
    match first {
        Some(c) if c.is_ascii_digit() || matches!(c, '^' | '~' | '=' | '$') => true,
        Some('v') => spec[1..].starts_with(|c: char| c.is_ascii_digit()),
        _ => spec.contains('<'),
    }
}

const GEM_VALUE_FLAGS: &[&str] = &[
    "-v",
    "--version",
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "-s",
    "--source",
    "--platform",
    "-P",
    "--trust-policy",
    "--build-root",
    "--config-file",
];

/// `gem install|i <gem>` without `-v`.
fn gem_install(cmd: &Command) -> Option<LanguageInstall<'_>> {
    let words = operands_after(cmd, cmd.name.as_ref()?, GEM_VALUE_FLAGS);
    let (sub, _) = words.split_first()?;
    if !matches!(sub.value.as_deref(), Some("install" | "i")) {
        return None;
    }
    // `-v` pins every gem named; `-g Gemfile` installs what the lock file says.
    if cmd.has_flag(Some('v'), Some("version")) || cmd.has_flag(Some('g'), Some("file")) {
        return None;
    }
    // Words after `--` are options for the gem's native build.
    let end = cmd
        .args
        .iter()
        .find(|a| a.value.as_deref() == Some("--"))
        .map_or(usize::MAX, |a| a.span.start);
    let gems = words[1..]
        .iter()
        .copied()
        .filter(|w| w.span.start < end)
        .collect();
    Some(LanguageInstall {
        command: format!("gem {}", sub.value.as_deref().unwrap_or_default()),
        operands: gems,
        pinned: |t| t.contains(':') || t.ends_with(".gem") || t.starts_with(['.', '/']),
        example: "bundler:2.5.22",
    })
}

const GO_VALUE_FLAGS: &[&str] = &[
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-gccgoflags",
    "-tags",
    "-o",
    "-mod",
    "-modfile",
    "-p",
    "-buildmode",
    "-compiler",
    "-installsuffix",
    "-overlay",
    "-pkgdir",
    "-toolexec",
    "-pgo",
    "-C",
    "-exec",
    "-covermode",
    "-coverpkg",
];

/// `go install|get <pkg>`, and the package of `go run <pkg> args…`.
fn go_install(cmd: &Command) -> Option<LanguageInstall<'_>> {
    let words = operands_after(cmd, cmd.name.as_ref()?, GO_VALUE_FLAGS);
    let (sub, rest) = words.split_first()?;
    let verb = sub.value.as_deref()?;
    let operands = match verb {
        "install" | "get" => rest.to_vec(),
        // Everything after the package is the program's own arguments.
        "run" => rest.iter().take(1).copied().collect(),
        _ => return None,
    };
    Some(LanguageInstall {
        command: format!("go {verb}"),
        operands,
        pinned: go_pinned,
        example: "golang.org/x/tools/gopls@v0.16.2",
    })
}

fn go_pinned(text: &str) -> bool {
    let (path, version) = match text.split_once('@') {
        Some((p, v)) => (p, Some(v)),
        None => (text, None),
    };
    let local = path == "."
        || path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path.ends_with(".go");
    // A path whose first element has no dot is a package of the current module (or the
    // standard library): go.mod decides its version.
    let remote = path
        .split('/')
        .next()
        .is_some_and(|first| first.contains('.'));
    if local || !remote {
        return true;
    }
    let Some(version) = version else {
        return false;
    };
    let semver = version.strip_prefix('v').is_some_and(|v| {
        v.starts_with(|c: char| c.is_ascii_digit()) && v.matches('.').count() >= 2
    });
    let commit = version.len() >= 7 && version.chars().all(|c| c.is_ascii_hexdigit());
    semver || commit || version == "none" || version.starts_with('$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use crate::Settings;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&LanguagePackageUnpinned);
    }

    #[test]
    fn fires() {
        let r = &LanguagePackageUnpinned;
        assert_fires(r, "FROM python\nRUN pip install flask\n", &[2]);
        assert_fires(r, "FROM python\nRUN pip install --upgrade pip\n", &[2]);
        assert_fires(r, "FROM python\nRUN pip3 install --user poetry\n", &[2]);
        assert_fires(r, "FROM python\nRUN python3 -m pip install flask\n", &[2]);
        assert_fires(r, "FROM python\nRUN uv pip install --system flask\n", &[2]);
        assert_fires(r, "FROM python\nRUN pipx install poetry\n", &[2]);
        assert_fires(r, "FROM python\nRUN pip install 'flask>=3'\n", &[2]);
        assert_fires(
            r,
            "FROM python\nRUN pip install -r requirements.txt \\\n    gunicorn\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM python\nRUN pip install git+https://github.com/a/b\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python\nRUN pip install git+ssh://git@github.com/a/b\n",
            &[2],
        );
        assert_fires(r, "FROM node\nRUN npm install -g npm\n", &[2]);
        assert_fires(r, "FROM node\nRUN npm i -g pm2\n", &[2]);
        assert_fires(
            r,
            "FROM node\nRUN npm install --save-dev typescript\n",
            &[2],
        );
        assert_fires(r, "FROM node\nRUN npm install -g pm2@latest\n", &[2]);
        assert_fires(
            r,
            "FROM node\nRUN npm install -g npm@10.2.0 @scope/a@1 @scope/b\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node\nRUN npm install git+https://github.com/a/b.git\n",
            &[2],
        );
        assert_fires(r, "FROM node\nRUN yarn global add pm2\n", &[2]);
        assert_fires(r, "FROM node\nRUN yarn add left-pad\n", &[2]);
        assert_fires(r, "FROM node\nRUN pnpm add -g pm2\n", &[2]);
        assert_fires(r, "FROM ruby\nRUN gem install bundler\n", &[2]);
        assert_fires(r, "FROM ruby\nRUN gem install --no-document rails\n", &[2]);
        assert_fires(
            r,
            "FROM golang\nRUN go install github.com/a/b/cmd/c@latest\n",
            &[2],
        );
        assert_fires(r, "FROM golang\nRUN go install github.com/a/b\n", &[2]);
        assert_fires(
            r,
            "FROM golang\nRUN go install github.com/a/b@master\n",
            &[2],
        );
        assert_fires(r, "FROM golang\nRUN go install github.com/a/b@v1\n", &[2]);
        assert_fires(
            r,
            "FROM golang\nRUN go install -ldflags '-s -w' -tags netgo github.com/a/b\n",
            &[2],
        );
        assert_fires(r, "FROM golang\nRUN go get github.com/a/b\n", &[2]);
        assert_fires(
            r,
            "FROM golang\nRUN go run github.com/a/b gen ./...\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python:3.12 AS build\nRUN <<EOF\npip install wheel\nEOF\nFROM scratch\n",
            &[3],
        );
        assert_fires(r, "FROM python\nRUN sudo -H pip install flask\n", &[2]);
    }

    #[test]
    fn passes() {
        let r = &LanguagePackageUnpinned;
        assert_clean(r, "FROM python\nRUN pip install -r requirements.txt\n");
        assert_clean(
            r,
            "FROM python\nRUN pip install --requirement=requirements.txt\n",
        );
        assert_clean(
            r,
            "FROM python\nRUN pip install flask==3.0.3 'req>=2,<3' 'a~=1.4' -e . .[dev] ./pkg dist/a.whl https://x.org/a.tar.gz\n",
        );
        assert_clean(r, "FROM python\nRUN pip install flask -c constraints.txt\n");
        assert_clean(
            r,
            "FROM python\nENV PIP_CONSTRAINT=/c.txt\nRUN pip install flask\n",
        );
        assert_clean(
            r,
            "FROM python\nRUN pip install git+https://github.com/a/b@v1.2#egg=b\n",
        );
        assert_clean(
            r,
            "FROM python\nRUN pip install --index-url https://x flask==1\n",
        );
        assert_clean(r, "FROM python\nRUN pip install flask==$FLASK_VERSION\n");
        assert_clean(r, "FROM python\nRUN pip download flask\n");
        assert_clean(r, "FROM python\nRUN pipenv install\n");
        assert_clean(r, "FROM node\nRUN npm install\n");
        assert_clean(r, "FROM node\nRUN npm ci\n");
        assert_clean(r, "FROM node\nRUN npm --prefix /app install\n");
        assert_clean(
            r,
            "FROM node\nRUN npm install pm2@5.4.2 @scope/a@^1.2 b@~2 ./local ../x x.tgz user/repo#abc123 c@npm:d@1.0.0\n",
        );
        assert_clean(r, "FROM node\nRUN npm install --loglevel warn pm2@1\n");
        assert_clean(r, "FROM node\nRUN npm install -g npm@\"$NPM_VERSION\"\n");
        assert_clean(r, "FROM node\nRUN yarn install --frozen-lockfile\n");
        assert_clean(r, "FROM node\nRUN yarn add left-pad@1.3.0\n");
        assert_clean(r, "FROM node\nRUN npm run build\n");
        assert_clean(r, "FROM ruby\nRUN gem install bundler:2.5.22 rake -v 13\n");
        assert_clean(r, "FROM ruby\nRUN gem install bundler --version=2.4\n");
        assert_clean(r, "FROM ruby\nRUN gem install --no-document bundler:2.4\n");
        assert_clean(
            r,
            "FROM ruby\nRUN gem install ./x.gem -- --with-cflags=-O2\n",
        );
        assert_clean(r, "FROM ruby\nRUN gem update --system\n");
        assert_clean(r, "FROM ruby\nRUN bundle install\n");
        assert_clean(
            r,
            "FROM golang\nRUN go install golang.org/x/tools/gopls@v0.16.2 github.com/a/b@0123abcd\n",
        );
        assert_clean(r, "FROM golang\nRUN go install ./... && go install\n");
        assert_clean(
            r,
            "FROM golang\nRUN go install -ldflags '-s -w' -tags netgo ./cmd/x\n",
        );
        assert_clean(r, "FROM golang\nRUN go get -d -v ./...\n");
        assert_clean(r, "FROM golang\nRUN go run main.go --flag x\n");
        assert_clean(r, "FROM golang\nRUN go install mymodule/cmd/tool\n");
        assert_clean(r, "FROM golang\nRUN go get github.com/a/b@none\n");
        assert_clean(r, "FROM golang\nRUN go install github.com/a/b@${VERSION}\n");
        assert_clean(r, "FROM golang\nRUN go build -o /x . && go mod download\n");
    }

    #[test]
    fn setting_turns_it_off() {
        let src = "FROM python\nRUN pip install flask\n";
        let off = Settings {
            pin_packages: false,
            ..Settings::default()
        };
        assert_fires_with(&LanguagePackageUnpinned, &off, None, src, &[]);
        assert_fires_with(
            &LanguagePackageUnpinned,
            &Settings::default(),
            None,
            src,
            &[2],
        );
    }
}
