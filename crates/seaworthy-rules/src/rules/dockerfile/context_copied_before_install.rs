use seaworthy_dockerfile::shell::Command;
use seaworthy_dockerfile::{BaseImage, Expanded, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The whole build context is copied (`COPY . .`, `ADD . /app`, `COPY * ./`) before a later
/// `RUN` of the same stage installs dependencies (`npm ci`, `pip install -r`, `go mod
/// download`, `bundle install`, `mvn package`, `cargo build`, …), and no COPY of the
/// dependency manifests alone (`package.json`, `requirements.txt`, `go.mod`, …) came first in
/// the stage or the stages it is built on.
pub struct ContextCopiedBeforeInstall;

static META: RuleMeta = RuleMeta {
    id: "SW1447",
    name: "context-copied-before-install",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 11,
    aliases: &[],
    summary: "The whole context is copied before dependencies are installed.",
    why: "Docker reuses a RUN's cached layer only while every instruction before it is \
          unchanged. After `COPY . .` any edit to any source file invalidates the copy, so \
          the dependency install that follows runs again from scratch on every build, \
          downloading the same packages each time. Copy the manifests first, install, then \
          copy the rest: `COPY package.json package-lock.json ./`, `RUN npm ci`, `COPY . .`. \
          A RUN that bind-mounts the manifests (`RUN --mount=type=bind,source=go.mod,…`) \
          before the COPY works as well.",
    bad: "FROM node:22.11.0-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    good: "FROM node:22.11.0-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
};

impl DockerfileRule for ContextCopiedBeforeInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            let mut manifests_first = ancestors_copy_manifests(cx, stage);
            let mut whole: Option<&seaworthy_dockerfile::Step<'_>> = None;
            for step in &stage.steps {
                if let (Expanded::Copy(copy) | Expanded::Add(copy), None) =
                    (&step.expanded, &step.copy_from)
                {
                    if copy.sources.iter().any(|s| is_whole_context(s)) {
                        if whole.is_none() && !manifests_first {
                            whole = Some(step);
                        }
                    } else if copy.sources.iter().any(|s| is_manifest(s)) {
                        manifests_first = true;
                    }
                    continue;
                }
                if whole.is_none() {
                    // Manifests bind-mounted into an install RUN count as copied first.
                    if step
                        .mounts
                        .iter()
                        .any(|m| m.source.as_deref().is_some_and(is_manifest))
                    {
                        manifests_first = true;
                    }
                    continue;
                }
                let Some(copy_step) = whole else { continue };
                let Some(script) = step.run.as_ref().and_then(|r| r.script()) else {
                    continue;
                };
                let Some(install) = script.commands.iter().find_map(dependency_install) else {
                    continue;
                };
                out.push(Finding::new(
                    &META,
                    copy_step.instruction.span,
                    format!(
                        "the whole build context is copied before `{install}`: any source \
                         change re-runs the install; copy the dependency manifests and install \
                         first, then copy the rest"
                    ),
                ));
                // One finding per COPY.
                whole = None;
                manifests_first = true;
            }
        }
    }
}

fn ancestors_copy_manifests(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> bool {
    let mut next = match stage.base {
        BaseImage::Stage(i) => cx.model.stages.get(i),
        _ => None,
    };
    while let Some(s) = next {
        let copies = s.steps.iter().any(|step| match &step.expanded {
            Expanded::Copy(c) | Expanded::Add(c) => c.sources.iter().any(|p| is_manifest(p)),
            _ => false,
        });
        if copies {
            return true;
        }
        next = match s.base {
            BaseImage::Stage(i) => cx.model.stages.get(i),
            _ => None,
        };
    }
    false
}

fn is_whole_context(src: &str) -> bool {
    matches!(src, "." | "./" | "./." | "*" | "./*")
}

/// A dependency manifest or lock file.
fn is_manifest(src: &str) -> bool {
    let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
    const EXACT: &[&str] = &[
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        ".yarnrc.yml",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        "bun.lockb",
        "bun.lock",
        "pyproject.toml",
        "poetry.lock",
        "Pipfile",
        "Pipfile.lock",
        "uv.lock",
        "setup.py",
        "setup.cfg",
        "go.mod",
        "go.sum",
        "Gemfile",
        "Gemfile.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "gradle.properties",
        "Cargo.toml",
        "Cargo.lock",
        "composer.json",
        "composer.lock",
        "mix.exs",
        "mix.lock",
        "packages.config",
        "Directory.Packages.props",
    ];
    EXACT.contains(&name)
        || (name.starts_with("requirements") && (name.ends_with(".txt") || name.ends_with(".in")))
        || (name.starts_with("package") && name.ends_with(".json"))
        || name.ends_with(".gemspec")
        || name.ends_with(".csproj")
        || name.ends_with(".fsproj")
        || name.ends_with(".sln")
        || name == "requirements"
}

/// The dependency install a command runs, as a short description.
fn dependency_install(cmd: &Command) -> Option<String> {
    let name = cmd.name_str()?;
    let values: Vec<&str> = cmd.arg_values().map(|v| v.unwrap_or("$")).collect();
    let operands: Vec<&str> = values
        .iter()
        .copied()
        .filter(|v| !v.starts_with('-'))
        .collect();
    let first = operands.first().copied();
    let found = match name {
        "npm" => match first {
            Some("ci") => true,
            // `npm install` of the manifest, not `npm install -g pm2`.
            Some("install" | "i") => operands.len() == 1,
            _ => false,
        },
        "yarn" => first.is_none() || (first == Some("install") && operands.len() == 1),
        "pnpm" | "bun" => matches!(first, Some("install" | "i")) && operands.len() == 1,
        "pip" | "pip3" => {
            first == Some("install")
                && (values.iter().any(|v| {
                    matches!(*v, "-r" | "--requirement" | "-e" | "--editable")
                        || v.starts_with("--requirement=")
                        || (v.starts_with("-r") && v.len() > 2)
                }) || operands.iter().skip(1).any(|o| matches!(*o, "." | "./")))
        }
        "poetry" | "pipenv" => first == Some("install"),
        "uv" => first == Some("sync") || (first == Some("pip") && values.contains(&"-r")),
        "bundle" | "bundler" => first.is_none() || first == Some("install"),
        "go" => matches!(
            (first, operands.get(1).copied()),
            (Some("mod"), Some("download")) | (Some("build"), _)
        ),
        "composer" => first == Some("install"),
        "mvn" | "mvnw" => operands.iter().any(|o| {
            matches!(*o, "package" | "install" | "verify" | "compile")
                || o.starts_with("dependency:")
        }),
        "gradle" | "gradlew" => operands.iter().any(|o| {
            matches!(
                *o,
                "build" | "assemble" | "dependencies" | "bootJar" | "shadowJar"
            )
        }),
        "cargo" => {
            matches!(first, Some("build" | "fetch" | "install")) && {
                // `cargo install ripgrep` installs a tool, not the project's dependencies.
                first != Some("install") || values.contains(&"--path")
            }
        }
        "dotnet" => matches!(first, Some("restore" | "publish" | "build")),
        "mix" => first == Some("deps.get"),
        _ => false,
    };
    found.then(|| {
        let mut words = vec![name];
        let shown = if first == Some("mod") { 2 } else { 1 };
        words.extend(operands.iter().take(shown).copied());
        words.join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&ContextCopiedBeforeInstall);
    }

    #[test]
    fn fires() {
        let r = &ContextCopiedBeforeInstall;
        assert_fires(
            r,
            "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
            &[3],
        );
        assert_fires(
            r,
            "FROM node:22\nCOPY . /app\nWORKDIR /app\nRUN yarn install --frozen-lockfile\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python:3.12\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM python:3.12\nADD . /src\nRUN pip install /src .\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM golang:1.23 AS build\nCOPY ./ ./\nRUN <<EOF\nset -e\ngo mod download\nEOF\nFROM scratch\n",
            &[2],
        );
        assert_fires(r, "FROM ruby:3.3\nCOPY . .\nRUN bundle install\n", &[2]);
        assert_fires(
            r,
            "FROM maven:3\nCOPY . .\nRUN mvn -B dependency:go-offline\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM rust:1\nCOPY . .\nRUN cargo build --release\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM composer:2\nCOPY * ./\nRUN composer install --no-dev\n",
            &[2],
        );
        assert_fires(
            r,
            "FROM node:22\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm \\\n    npm ci\nRUN npm run build\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        let r = &ContextCopiedBeforeInstall;
        assert_clean(
            r,
            "FROM node:22\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
        );
        assert_clean(
            r,
            "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN pip install -r requirements.txt\n",
        );
        assert_clean(
            r,
            "FROM golang:1.23\nRUN --mount=type=bind,source=go.mod,target=go.mod go mod download\nCOPY . .\nRUN go build -o /app .\n",
        );
        assert_clean(r, "FROM node:22\nCOPY . .\nRUN npm install -g pm2\n");
        assert_clean(r, "FROM node:22\nCOPY . .\nCMD [\"node\", \"index.js\"]\n");
        assert_clean(r, "FROM node:22\nRUN npm ci\nCOPY . .\n");
        assert_clean(
            r,
            "FROM node:22 AS deps\nCOPY package*.json ./\nRUN npm ci\nFROM deps\nCOPY . .\nRUN npm ci --omit=dev\n",
        );
        assert_clean(
            r,
            "FROM node:22 AS build\nFROM node:22\nCOPY --from=build /app .\nRUN npm ci\n",
        );
        assert_clean(r, "FROM python:3.12\nCOPY . .\nRUN pip install flask\n");
    }
}
