use seaworthy_dockerfile::Expanded;

use super::secret_files::secret_kind;
use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// `COPY` or `ADD` of a file whose name says it holds credentials: SSH and TLS private keys,
/// `.npmrc`, `.pypirc`, `pip.conf`, `.netrc`, `.git-credentials`, `.env`, `.aws/credentials`,
/// `.docker/config.json`, kubeconfig. Directories and globs are judged by the name written;
/// `COPY . .` is left to the `.dockerignore` rules.
pub struct SecretFileCopied;

static META: RuleMeta = RuleMeta {
    id: "SW1301",
    name: "secret-file-copied",
    severity: Severity::Error,
    category: Category::Secrets,
    practice: 4,
    aliases: &[],
    summary: "COPY or ADD puts a credentials file (private key, .npmrc, .env, ...) in a layer.",
    why: "A file copied into an image stays in that layer for good: deleting it in a later RUN \
          only hides it, and anyone who can pull the image (or the build cache, which \
          `--cache-to mode=max` exports for every stage) can extract it with `docker save`. \
          Give the build its credentials with `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc` \
          or `RUN --mount=type=ssh`, which expose them to one RUN and store them nowhere, and \
          give the running container its secrets at start. Every stage is checked, build \
          stages included, because their layers are cached and exported too.",
    bad: "FROM node:20.18.0-slim\nCOPY .npmrc package.json package-lock.json ./\nRUN npm ci\n",
    good: "FROM node:20.18.0-slim\nCOPY package.json package-lock.json ./\n\
           RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
};

impl DockerfileRule for SecretFileCopied {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        for stage in &cx.model.stages {
            for step in &stage.steps {
                let (Expanded::Copy(copy) | Expanded::Add(copy)) = &step.expanded else {
                    continue;
                };
                let ins = step.instruction;
                // The source words as written, in the order of `copy.sources`.
                let source_spans = super::copy_source_spans(ins);
                for (source, span) in copy.sources.iter().zip(source_spans) {
                    if source.contains("://") {
                        continue;
                    }
                    if let Some(what) = secret_kind(source) {
                        let keyword = cx.file.slice(ins.keyword).to_ascii_uppercase();
                        out.push(Finding::new(
                            &META,
                            span,
                            format!(
                                "{keyword} puts `{source}` ({what}) in a layer of the image, \
                                 where it stays even if a later RUN deletes it; use \
                                 `RUN --mount=type=secret` instead"
                            ),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&SecretFileCopied);
    }

    #[test]
    fn fires() {
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nCOPY id_rsa /root/.ssh/id_rsa\n",
            &[2],
        );
        assert_fires(&SecretFileCopied, "FROM alpine\nCOPY .env /app/\n", &[2]);
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nCOPY local.pem /app/\n",
            &[2],
        );
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nADD server.key tls/ /etc/ssl/\n",
            &[2],
        );
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nCOPY [\"home/.aws/credentials\", \"/root/.aws/credentials\"]\n",
            &[2],
        );
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nCOPY --chown=1000 \\\n    .docker/config.json \\\n    /root/.docker/\n",
            &[3],
        );
        // Build stages are checked too: their layers live in the build cache.
        assert_fires(
            &SecretFileCopied,
            "FROM python:3.12 AS build\nCOPY pip.conf /etc/pip.conf\nFROM python:3.12\n",
            &[2],
        );
        // After ARG expansion.
        assert_fires(
            &SecretFileCopied,
            "FROM alpine\nARG KEY=deploy.pem\nCOPY ${KEY} /k\n",
            &[3],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&SecretFileCopied, "FROM alpine\nCOPY . /app\n");
        assert_clean(
            &SecretFileCopied,
            "FROM alpine\nCOPY .env.example /app/.env\n",
        );
        assert_clean(
            &SecretFileCopied,
            "FROM alpine\nCOPY ca.pem fullchain.pem /etc/ssl/\n",
        );
        assert_clean(
            &SecretFileCopied,
            "FROM alpine\nCOPY id_rsa.pub /root/.ssh/\n",
        );
        assert_clean(
            &SecretFileCopied,
            "FROM alpine\nCOPY package.json config.json ./\n",
        );
        assert_clean(
            &SecretFileCopied,
            "FROM node:20\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
        );
        assert_clean(
            &SecretFileCopied,
            "FROM alpine\nCOPY <<EOF /etc/app.env\nA=1\nEOF\n",
        );
    }
}
