//! `check --image`: a Dockerfile checked together with the image built from it. What the image
//! proves lands on the Dockerfile's lines (the USER that runs as root, the HEALTHCHECK whose
//! tool is missing, the VOLUME the user cannot write), and an image that does not match the
//! Dockerfile's target stage is reported: then the file that was checked is not what ships.

use seaworthy_dockerfile::{Expanded, Keyword, Span, Stage};

use super::ImageContext;
use crate::rules::dockerfile::DockerfileContext;
use crate::{Category, Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SW3900",
    name: "image-differs-from-dockerfile",
    severity: Severity::Warning,
    category: Category::Correctness,
    practice: 0,
    aliases: &[],
    summary: "The image given to `check --image` was not built from the Dockerfile's target stage",
    why: "`seaworthy check --image` audits a Dockerfile and the image built from it together. \
          When the image runs as another user, lacks the HEALTHCHECK or does not expose the \
          ports the target stage declares, it was built from another stage (`--target`), \
          another Dockerfile or an older revision: what was reviewed is not what ships, and \
          the image's own findings do not describe this file.",
    bad: "# Checked with: seaworthy check --image registry.example/app:1.4 Dockerfile\n\
          # (app:1.4 was built before USER and HEALTHCHECK were added)\n\
          FROM debian:12.7-slim\n\
          COPY app /usr/local/bin/app\n\
          USER 10001\n\
          HEALTHCHECK CMD [\"/usr/local/bin/app\", \"--health\"]\n\
          ENTRYPOINT [\"/usr/local/bin/app\"]\n",
    good: "# Checked with: seaworthy check --image registry.example/app:1.5 Dockerfile\n\
           # (app:1.5 is built from this revision: same USER, HEALTHCHECK and ports)\n\
           FROM debian:12.7-slim\n\
           COPY app /usr/local/bin/app\n\
           USER 10001\n\
           HEALTHCHECK CMD [\"/usr/local/bin/app\", \"--health\"]\n\
           ENTRYPOINT [\"/usr/local/bin/app\"]\n",
};

/// The findings of a Dockerfile checked against its image.
#[derive(Debug, Default)]
pub struct CrossCheck {
    /// Findings on the Dockerfile's lines: image findings moved there, and mismatches.
    pub dockerfile: Vec<Finding>,
    /// The image's findings that have no line in the Dockerfile.
    pub image: Vec<Finding>,
}

/// The steps of the stages that ship: the target stage and the stages it is built `FROM`,
/// base first.
fn shipped_steps<'a>(df: &DockerfileContext<'a>) -> Vec<&'a seaworthy_dockerfile::Step<'a>> {
    let chain: Vec<&Stage<'_>> = df.runtime_chain();
    chain.iter().rev().flat_map(|s| s.steps.iter()).collect()
}

/// Checks `image` (whose own findings are `image_findings`) against the Dockerfile of `df`,
/// known to the user as `image_name`.
pub fn cross_check(
    df: &DockerfileContext<'_>,
    image: &ImageContext<'_>,
    image_findings: Vec<Finding>,
    image_name: &str,
) -> CrossCheck {
    let mut out = CrossCheck::default();
    let Some(stage) = df.final_stage() else {
        out.image = image_findings;
        return out;
    };
    let steps = shipped_steps(df);
    let last = |kind: Keyword| -> Option<&seaworthy_dockerfile::Step<'_>> {
        steps
            .iter()
            .rev()
            .find(|s| s.instruction.kind == kind)
            .copied()
    };
    let user = stage.at_end.user.clone();
    let healthcheck = last(Keyword::Healthcheck);
    let proven = format!(" (found in the image `{image_name}`)");

    // Image findings that belong on a line of the Dockerfile.
    for f in image_findings {
        let span: Option<Span> = match (f.rule.id, f.logical.as_deref()) {
            ("SW3001", _) => Some(user.as_ref().map_or(stage.from.span, |u| u.span)),
            ("SW3101", _) => healthcheck.map(|s| s.instruction.span),
            ("SW3120", Some(place)) => place
                .strip_prefix("Config.Volumes[")
                .and_then(|p| p.strip_suffix(']'))
                .and_then(|path| volume_step(&steps, path))
                .map(|s| s.instruction.span),
            _ => None,
        };
        match span {
            Some(span) => {
                let mut moved = f.clone();
                moved.span = span;
                moved.logical = None;
                moved.message.push_str(&proven);
                out.dockerfile.push(moved);
            }
            None => out.image.push(f),
        }
    }

    // Does the image match the target stage?
    let config = &image.config.config;
    let image_user = config.user.as_deref().unwrap_or("").trim();
    if let Some(u) = &user {
        if u.value.trim() != image_user {
            let shown = if image_user.is_empty() {
                "root (no user set)".to_owned()
            } else {
                format!("`{image_user}`")
            };
            out.dockerfile.push(Finding::new(
                &META,
                u.span,
                format!(
                    "the image `{image_name}` runs as {shown}, but this Dockerfile's target stage \
                     sets USER `{}`: the image was built from another stage, file or revision",
                    u.value
                ),
            ));
        }
    }
    if let Some(step) = healthcheck {
        let enabled = matches!(&step.expanded, Expanded::Healthcheck(h) if !h.disabled);
        let image_has = config
            .healthcheck
            .as_ref()
            .is_some_and(|h| !h.is_disabled());
        if enabled && !image_has {
            out.dockerfile.push(Finding::new(
                &META,
                step.instruction.span,
                format!(
                    "the image `{image_name}` has no healthcheck, but this Dockerfile's target \
                     stage defines one: the image was built from another stage, file or revision"
                ),
            ));
        }
    }
    for step in &steps {
        let Expanded::Expose(ports) = &step.expanded else {
            continue;
        };
        let missing: Vec<String> = ports
            .iter()
            .flat_map(|p| (p.start..=p.end).map(move |n| format!("{n}/{}", p.protocol)))
            .filter(|key| !config.exposed_ports.contains_key(key))
            .collect();
        if !missing.is_empty() {
            out.dockerfile.push(Finding::new(
                &META,
                step.instruction.span,
                format!(
                    "the image `{image_name}` does not expose {}, which this EXPOSE declares: \
                     the image was built from another stage, file or revision",
                    missing.join(", ")
                ),
            ));
        }
    }
    out.dockerfile.sort_by_key(|f| (f.span.start, f.rule.id));
    out
}

/// The last VOLUME of the shipped stages that declares `path`.
fn volume_step<'a>(
    steps: &[&'a seaworthy_dockerfile::Step<'a>],
    path: &str,
) -> Option<&'a seaworthy_dockerfile::Step<'a>> {
    let norm = |p: &str| {
        let t = p.trim_end_matches('/');
        if t.is_empty() {
            "/".to_owned()
        } else {
            t.to_owned()
        }
    };
    steps.iter().rev().copied().find(|s| {
        matches!(&s.expanded, Expanded::Volume(paths) if paths.iter().any(|p| norm(p) == norm(path)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::testing::hardened;
    use crate::rules::image::{check_image, ImageFacts, ImageOptions};
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    /// (line, rule) on the Dockerfile, and the image's remaining (place, rule).
    type Crossed = (Vec<(usize, &'static str)>, Vec<(String, &'static str)>);

    /// The cross-check of `dockerfile` against the image `w` writes.
    fn cross(dockerfile: &str, w: &seaworthy_image::write::ImageWriter) -> Crossed {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img.tar");
        w.docker_archive(&path, "app:1").unwrap();
        let image = seaworthy_image::Image::open(&path, None).unwrap();
        let (index, visitors) = image
            .scan_parallel(&Default::default(), |_| {
                crate::rules::image::FactsVisitor::default()
            })
            .unwrap();
        let facts = ImageFacts::from_visitors(visitors);
        let settings = crate::Settings::default();
        let options = ImageOptions::at_unix_day(20_000);
        let icx = ImageContext::new(&image, &index, &facts, &settings, &options);
        let image_findings = check_image(&icx);
        let df = Dockerfile::parse(dockerfile.as_bytes().to_vec()).unwrap();
        let model = Model::build(&df, &BuildOptions::default());
        let dcx = DockerfileContext {
            file: &df,
            model: &model,
            settings: &settings,
            build_context: None,
        };
        let result = cross_check(&dcx, &icx, image_findings, "app:1");
        (
            result
                .dockerfile
                .iter()
                .map(|f| (df.position(f.span.start).line, f.rule.id))
                .collect(),
            result
                .image
                .iter()
                .map(|f| (f.logical.clone().unwrap_or_default(), f.rule.id))
                .collect(),
        )
    }

    const MATCHING: &str = "FROM scratch\nCOPY rootfs /\nUSER 10001:10001\nWORKDIR /app\n\
                            EXPOSE 8080\nVOLUME /data\n\
                            HEALTHCHECK CMD [\"/app/server\", \"--health\"]\n\
                            CMD [\"/app/server\"]\n";

    #[test]
    fn the_hardened_image_matches_its_dockerfile() {
        assert_eq!(cross(MATCHING, &hardened()), (vec![], vec![]));
    }

    #[test]
    fn a_different_user_healthcheck_or_port_is_a_mismatch_on_its_line() {
        let df = MATCHING.replace("USER 10001:10001", "USER app");
        assert_eq!(cross(&df, &hardened()).0, vec![(3, "SW3900")]);
        let df = MATCHING.replace("EXPOSE 8080", "EXPOSE 8080 9090/udp");
        assert_eq!(cross(&df, &hardened()).0, vec![(5, "SW3900")]);
        let mut w = hardened();
        w.set("Healthcheck", None);
        let (on_file, in_image) = cross(MATCHING, &w);
        assert_eq!(on_file, vec![(7, "SW3900")]);
        // The image's own finding stays on the image: it has no healthcheck at all.
        assert_eq!(in_image, vec![("Config.Healthcheck".to_owned(), "SW3100")]);
    }

    #[test]
    fn image_findings_move_to_the_line_that_causes_them() {
        // The image runs as root: the finding lands on the USER line, and the mismatch too.
        let mut w = hardened();
        w.set("User", Some("\"0\""));
        let df = MATCHING.replace("USER 10001:10001", "USER 0");
        assert_eq!(cross(&df, &w).0, vec![(3, "SW3001")]);
        // A volume the user cannot write: on its VOLUME line.
        let mut w = hardened();
        w.set("Volumes", Some(r#"{"/data": {}, "/cache": {}}"#));
        let df = MATCHING.replace("VOLUME /data", "VOLUME /data /cache");
        assert_eq!(cross(&df, &w).0, vec![(6, "SW3120")]);
        // With no USER in the Dockerfile, a root image's finding lands on the FROM.
        let mut w = hardened();
        w.set("User", None);
        let df = MATCHING.replace("USER 10001:10001\n", "");
        let (on_file, _) = cross(&df, &w);
        assert_eq!(on_file, vec![(1, "SW3001")]);
    }
}
