use seaworthy_dockerfile::model::{did_you_mean, AUTOMATIC_ARGS};
use seaworthy_dockerfile::{BaseImage, Expanded, Keyword, Span, Stage, Step};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A variable an instruction expands (`ENV`, `LABEL`, `COPY`/`ADD` paths and flags, `WORKDIR`,
/// `USER`, `VOLUME`, `STOPSIGNAL`, `ARG` defaults, `RUN --mount` options) is not defined at that
/// point. Shell-form `RUN`, `CMD` and `ENTRYPOINT` are left to the shell, as in BuildKit.
pub struct UndefinedVar;

static META: RuleMeta = RuleMeta {
    id: "SW1523",
    name: "undefined-var",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &["UndefinedVar"],
    summary: "A variable is used before anything defines it.",
    why: "BuildKit expands `$NAME` in ENV, LABEL, COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL \
          and ARG to the empty string when nothing defines it, silently: `COPY $DIST_DIR/ \
          /app/` with a misspelt or forgotten variable copies the whole build context, and \
          `ENV PATH=$PAHT:/opt/bin` throws the search path away. The usual causes are a \
          typo, an `ARG` declared after its first use, and a global `ARG` (declared before \
          the first FROM) used inside a stage without re-declaring it there: global ARGs are \
          visible only to FROM lines. Shell-form RUN, CMD and ENTRYPOINT are left to the \
          shell, which may define the variable itself. Differs from BuildKit: the base \
          image's environment is not known here, so on an image that may define variables \
          of its own (`$JAVA_HOME` on a JDK image) a variable is reported only when it is \
          clearly a mistake: defined later in the stage, a global ARG, a BuildKit platform \
          ARG not declared in the stage, or within two edits of a defined variable. On \
          `scratch` and on the minimal OS images that set only PATH (alpine, debian, ubuntu, \
          busybox), every undefined variable is reported. An official image's own \
          `<NAME>_VERSION` (`$PYTHON_VERSION` on python) is never reported.",
    bad: "FROM node:20.18.0-alpine\nCOPY $BUILD_DIR/ /app/\nARG BUILD_DIR=dist\n",
    good: "FROM node:20.18.0-alpine\nARG BUILD_DIR=dist\nCOPY $BUILD_DIR/ /app/\n",
};

/// Build arguments BuildKit keeps out of the environment.
const NON_ENV_ARGS: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Official images whose configuration sets no variable but PATH.
const PATH_ONLY_IMAGES: &[&str] = &[
    "library/alpine",
    "library/debian",
    "library/ubuntu",
    "library/busybox",
];

impl DockerfileRule for UndefinedVar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let global: Vec<&str> = cx
            .model
            .global_args
            .iter()
            .map(|g| g.arg.name.as_str())
            .collect();
        for stage in &cx.model.stages {
            let env_known = base_env_is_known(cx, stage);
            let image_version = if env_known {
                None
            } else {
                image_version_var(cx, stage)
            };
            for (i, step) in stage.steps.iter().enumerate() {
                if step.undefined.is_empty() {
                    continue;
                }
                let vars = cx.model.variables_before(stage.index, i);
                // PATH is a suggestion only where the base environment is known: on other
                // bases a near miss (`GOPATH`) may well be the image's own variable.
                let mut options: Vec<&str> = vars.in_effect().into_keys().collect();
                if env_known {
                    options.push("PATH");
                }
                for name in &step.undefined {
                    if name == "PATH"
                        || NON_ENV_ARGS.contains(&name.as_str())
                        || vars.is_declared(name)
                        || image_version.as_deref() == Some(name.as_str())
                    {
                        continue;
                    }
                    let suggestion = did_you_mean(name, &options, true);
                    let later = defined_later(&stage.steps[i + 1..], name);
                    let why = if global.contains(&name.as_str()) {
                        format!(
                            "; it is a global ARG, which only FROM lines see: declare `ARG \
                             {name}` in this stage"
                        )
                    } else if AUTOMATIC_ARGS.contains(&name.as_str()) {
                        format!(
                            "; BuildKit sets it only in stages that declare it: add `ARG {name}` \
                             to this stage"
                        )
                    } else if let Some(line) = later {
                        format!(
                            "; it is defined only later, on line {}",
                            cx.file.position(line.start).line
                        )
                    } else if let Some(s) = &suggestion {
                        format!(" (did you mean `${s}`?)")
                    } else if env_known {
                        String::new()
                    } else {
                        // It may come from the base image's environment.
                        continue;
                    };
                    out.push(Finding::new(
                        &META,
                        reference_span(cx, step, name),
                        format!("`${name}` is not defined here, so it expands to nothing{why}"),
                    ));
                }
            }
        }
    }
}

/// Whether the stage's base environment is known: `scratch` (BuildKit sets only PATH) or an
/// official image known to set nothing else.
fn base_env_is_known(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> bool {
    let mut root = stage;
    while let BaseImage::Stage(i) = root.base {
        root = &cx.model.stages[i];
    }
    match &root.base {
        BaseImage::Scratch => true,
        BaseImage::Image(image) => {
            image.is_official() && PATH_ONLY_IMAGES.contains(&image.repository.as_str())
        }
        _ => false,
    }
}

/// `PYTHON_VERSION` for a stage rooted at `python:…`: official images export their own
/// version as `<NAME>_VERSION`, often the name of the global ARG that picks the tag too.
fn image_version_var(cx: &DockerfileContext<'_>, stage: &Stage<'_>) -> Option<String> {
    let mut root = stage;
    while let BaseImage::Stage(i) = root.base {
        root = &cx.model.stages[i];
    }
    let BaseImage::Image(image) = &root.base else {
        return None;
    };
    let last = image.repository.rsplit('/').next()?;
    Some(format!(
        "{}_VERSION",
        last.to_ascii_uppercase().replace(['-', '.'], "_")
    ))
}

/// The `ARG` or `ENV` of the rest of the stage that defines `name`.
fn defined_later(steps: &[Step<'_>], name: &str) -> Option<Span> {
    steps.iter().find_map(|s| match &s.expanded {
        Expanded::Arg(args) => args.iter().find(|a| a.name == name).map(|a| a.span),
        Expanded::Env(pairs) if pairs.iter().any(|(k, _)| k == name) => Some(s.instruction.span),
        _ => None,
    })
}

/// Where `$name` or `${name…}` is written in the instruction (in its flags for RUN); the
/// instruction's keyword when it cannot be found.
fn reference_span(cx: &DockerfileContext<'_>, step: &Step<'_>, name: &str) -> Span {
    let ins = step.instruction;
    let regions: Vec<Span> = if ins.kind == Keyword::Run {
        ins.flags.iter().map(|f| f.span).collect()
    } else {
        vec![ins.span]
    };
    find_reference(cx, &regions, name).unwrap_or(ins.keyword)
}

/// The first `$name` or `${name…}` written in `regions` of the file.
pub(super) fn find_reference(
    cx: &DockerfileContext<'_>,
    regions: &[Span],
    name: &str,
) -> Option<Span> {
    let src = cx.file.source();
    for region in regions {
        let text = &src[region.start..region.end];
        let mut at = 0;
        while let Some(i) = text[at..].iter().position(|&b| b == b'$') {
            let start = at + i;
            let rest = &text[start + 1..];
            let braced = rest.first() == Some(&b'{');
            let body = if braced { &rest[1..] } else { rest };
            if body.starts_with(name.as_bytes()) {
                let after = body.get(name.len()).copied();
                if !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    let close = braced && after == Some(b'}');
                    let len = 1 + usize::from(braced) + name.len() + usize::from(close);
                    let end = (region.start + start + len).min(region.end);
                    return Some(Span::new(region.start + start, end));
                }
            }
            at = start + 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&UndefinedVar);
    }

    #[test]
    fn fires() {
        let rule = &UndefinedVar;
        // Typos, with BuildKit's suggestion.
        let src = "FROM node:20.18.0\nARG DIR_ASSETS=assets/\nCOPY $DIR_ASSET /app/\n";
        assert_fires(rule, src, &[3]);
        assert!(findings(rule, src)[0]
            .1
            .contains("did you mean `$DIR_ASSETS`?"));
        let src = "FROM debian:12.7\nENV PATH=$PAHT:/opt/bin\n";
        assert_fires(rule, src, &[2]);
        assert!(findings(rule, src)[0].1.contains("`$PATH`"));
        // Defined after its use.
        assert_fires(
            rule,
            "FROM golang:1.23.2\nWORKDIR ${APP_HOME}\nENV APP_HOME=/src\n",
            &[2],
        );
        // A global ARG not re-declared in the stage.
        let src = "ARG VERSION=1.2.3\nFROM eclipse-temurin:21.0.5_11-jre\n\
                   COPY app-${VERSION}.jar /app.jar\n";
        assert_fires(rule, src, &[3]);
        assert!(findings(rule, src)[0].1.contains("declare `ARG VERSION`"));
        // A platform ARG not declared in the stage, in a RUN --mount option.
        assert_fires(
            rule,
            "FROM golang:1.23.2\nRUN --mount=type=cache,id=go-$TARGETARCH,target=/root/.cache \\\n    go build\n",
            &[2],
        );
        // On scratch and on minimal images everything undefined is reported, which alpine
        // does not export as a variable.
        assert_fires(
            rule,
            "ARG ALPINE_VERSION=3.20.3\nFROM alpine:${ALPINE_VERSION}\nLABEL v=$ALPINE_VERSION\n",
            &[3],
        );
        assert_fires(rule, "FROM scratch\nCOPY $foo .\n", &[2]);
        assert_fires(
            rule,
            "FROM alpine:3.20.3 AS base\nFROM base\nLABEL v=$VERSION\n",
            &[3],
        );
        // Every expanded instruction: USER, VOLUME, ADD flags, ARG defaults.
        assert_fires(
            rule,
            "FROM debian:12.7\nUSER $APP_UID\nVOLUME [\"$DATA\"]\n\
             ADD --chown=$OWNER https://example.com/a.tgz /a\nARG X=${Y}\n",
            &[2, 3, 4, 5],
        );
    }

    #[test]
    fn passes() {
        let rule = &UndefinedVar;
        // Declared, even without a value (a build arg fills it).
        assert_clean(rule, "FROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n");
        // Inherited from the stage it is built on.
        assert_clean(
            rule,
            "FROM alpine:3.20.3 AS base\nARG foo=Dockerfile\nFROM base\nCOPY $foo .\n",
        );
        // PATH is always set; shell-form RUN, CMD and ENTRYPOINT are the shell's business.
        assert_clean(
            rule,
            "FROM alpine:3.20.3\nENV PATH=/opt/bin:$PATH\nRUN echo $HOME $UNSET\n\
             CMD echo $UNSET\nENTRYPOINT exec app $UNSET\n",
        );
        // Re-declared global ARG and platform ARG.
        assert_clean(
            rule,
            "ARG VERSION=1\nFROM alpine:3.20.3\nARG VERSION\nARG TARGETARCH\n\
             COPY app-$VERSION-$TARGETARCH /app\n",
        );
        // The image's own version variable, even when a global ARG of that name picks the tag.
        assert_clean(
            rule,
            "ARG PYTHON_VERSION=3.12.7\nFROM python:${PYTHON_VERSION}-slim\n\
             LABEL python=$PYTHON_VERSION\n",
        );
        // May come from the base image's environment (GOPATH is two edits from PATH).
        assert_clean(rule, "FROM golang:1.23.2\nWORKDIR $GOPATH/src/app\n");
        assert_clean(
            rule,
            "FROM eclipse-temurin:21.0.5_11-jdk\nENV PATH=$JAVA_HOME/bin:$PATH\n\
             COPY app.jar $CATALINA_HOME/webapps/\n",
        );
        // ENV with several pairs sees the values before it (another rule's concern).
        assert_clean(rule, "FROM alpine:3.20.3\nENV A=1\nENV B=$A C=$A\n");
        // Escaped and single-quoted.
        assert_clean(rule, "FROM scratch\nLABEL a=\\$NOPE b='$NOPE'\n");
    }

    #[test]
    fn points_at_the_reference() {
        let src = "FROM scratch\nCOPY --chown=1:1 a/${foo}/b .\n";
        let file = seaworthy_dockerfile::Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = seaworthy_dockerfile::Model::build(
            &file,
            &seaworthy_dockerfile::BuildOptions::default(),
        );
        let cx = DockerfileContext {
            file: &file,
            model: &model,
            settings: &crate::Settings::default(),
            build_context: None,
        };
        let mut out = Vec::new();
        UndefinedVar.check(&cx, &mut out);
        assert_eq!(file.slice(out[0].span), "${foo}");
    }
}
