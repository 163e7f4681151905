//! The `seaworthy` command line: discovery, orchestration and output. No rule logic lives here.

mod compose;
mod config;
mod context;
mod debug_model;
mod discover;
mod fix;
mod image;
mod output;
mod pin;
mod runtime;
mod shellcheck;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args as ClapArgs, Parser, Subcommand};
use config::Config;
use output::OutputArgs;
use rayon::prelude::*;
use seaworthy_dockerfile::expand::Lexer;
use seaworthy_dockerfile::{dump, BuildOptions, Dockerfile, Model, ParseError};
use seaworthy_report::FileReport as ReportInput;
use seaworthy_rules::suppress::Suppressions;
use seaworthy_rules::Finding;

/// Tells whether your containers are fit for production.
#[derive(Parser)]
#[command(name = "seaworthy", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Dockerfiles and Compose projects under PATH (default: the current directory).
    Check(CheckArgs),
    /// Apply the fixes of the findings `check` reports: safe ones, unsafe ones too with
    /// --unsafe-fixes; --diff shows them instead.
    Fix(fix::FixArgs),
    /// Pin image references (FROM, Compose and Kubernetes `image:`) to the digests their
    /// registries serve; --check verifies pins in CI, --update moves them.
    Pin(pin::PinArgs),
    /// Audit a built image: a `docker save` archive, an OCI layout, or a registry reference.
    Image(image::ImageArgs),
    /// Audit running containers through the Docker Engine API, or `docker inspect` output.
    Runtime(runtime::RuntimeArgs),
    /// Explain one rule, by id (SW1001), name (last-user-root) or alias (DL3002).
    Rule { key: String },
    /// List every rule.
    Rules,
    /// Developer tools: the parser's view of a file, word expansion.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(ClapArgs)]
struct CheckArgs {
    /// Files or directories to check; directories are walked respecting .gitignore.
    paths: Vec<PathBuf>,
    /// Number of parallel jobs (default: one per CPU).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    #[command(flatten)]
    load: LoadArgs,
    /// Cross-check the one Dockerfile checked with the image built from it (a `docker save`
    /// archive, an OCI layout or a registry reference): the image is audited too, and what it
    /// proves (its user, its healthcheck tool, its volumes' owners) lands on the Dockerfile's
    /// lines; an image not built from the target stage is reported.
    #[arg(long, value_name = "IMAGE")]
    image: Option<String>,
    /// With --image: the image of a multi-platform index, os/arch[/variant].
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    platform: String,
    /// With --image: plain HTTP to the registry.
    #[arg(long)]
    insecure: bool,
    /// With --image: a PEM file of CA certificates to trust for the registry.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Do not run ShellCheck on RUN scripts.
    #[arg(long)]
    no_shellcheck: bool,
    /// Do not read or write the cache of ShellCheck's results (by default in
    /// $SEAWORTHY_CACHE_DIR, $XDG_CACHE_HOME/seaworthy or ~/.cache/seaworthy).
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    out: OutputArgs,
}

/// How files are read, as `docker build` and `docker compose` take it: the same for `check`
/// and `fix`.
#[derive(ClapArgs)]
struct LoadArgs {
    /// A build argument, NAME=VALUE, as `docker build --build-arg` gives it; repeatable.
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    build_args: Vec<String>,
    /// The stage `docker build --target` would build (default: the last one).
    #[arg(long)]
    target: Option<String>,
    /// An env file for every Compose project instead of its `.env`, as `docker compose
    /// --env-file` takes it; repeatable.
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// A Compose profile to enable, as `docker compose --profile`; repeatable.
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
}

impl LoadArgs {
    fn build_options(&self) -> BuildOptions {
        build_options(&self.build_args, self.target.clone())
    }

    /// What every Compose project's loader gets, env files made absolute against `cwd`.
    fn compose(&self, cwd: &Path) -> compose::LoadOptions {
        compose::LoadOptions {
            env_files: self.env_files.iter().map(|f| cwd.join(f)).collect(),
            profiles: self.profiles.clone(),
            environment: std::env::vars().collect(),
        }
    }
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Print the parse in BuildKit's AST dump format.
    Dump { file: PathBuf },
    /// Print the file back from its syntax tree.
    Reprint { file: PathBuf },
    /// Print the resolved model: stages, bases, USER/WORKDIR/SHELL in effect, RUN commands.
    Model {
        file: PathBuf,
        /// A build argument, NAME=VALUE; repeatable.
        #[arg(long = "build-arg", value_name = "NAME=VALUE")]
        build_args: Vec<String>,
        /// The target stage (default: the last one).
        #[arg(long)]
        target: Option<String>,
    },
    /// Expand WORD as BuildKit does (ENV, ARG, COPY, ... arguments).
    Expand {
        /// A variable, K=V; repeatable.
        #[arg(long = "env", value_name = "K=V")]
        env: Vec<String>,
        /// Print the words after field splitting, joined by commas.
        #[arg(long)]
        words: bool,
        /// The escape character (`\` or a backtick).
        #[arg(long, default_value = "\\")]
        escape: char,
        word: String,
    },
    /// Print the resolved Compose project as `docker compose config --format json` does.
    Compose {
        /// A Compose file; repeatable, merged in order (default: discovered in the current
        /// directory).
        #[arg(short = 'f', long = "file")]
        files: Vec<PathBuf>,
        /// An env file instead of the project's `.env`; repeatable.
        #[arg(long = "env-file")]
        env_files: Vec<PathBuf>,
        /// A profile to enable; repeatable.
        #[arg(long = "profile")]
        profiles: Vec<String>,
        /// Skip the consistency checks (undeclared volumes, networks, secrets, unknown
        /// dependencies, services without image), as `docker compose config --no-consistency`.
        #[arg(long)]
        no_consistency: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
        Command::Fix(args) => fix::run(args),
        Command::Pin(args) => pin::run(args),
        Command::Image(args) => image::run(args),
        Command::Runtime(args) => runtime::run(args),
        Command::Rule { key } => match seaworthy_rules::find_rule(&key)
            .or_else(|| seaworthy_rules::shellcheck::meta_for(&key))
        {
            Some(m) => {
                print!("{}", rule_doc(m));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule {key:?}; `seaworthy rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Rules => {
            for m in seaworthy_rules::catalogue() {
                println!(
                    "{}  {:<34} {:<8} {:<12} {}",
                    m.id,
                    m.name,
                    m.severity,
                    m.category.as_str(),
                    m.aliases.join(",")
                );
            }
            ExitCode::SUCCESS
        }
        Command::Debug(cmd) => debug(cmd),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("{}: {e}", path.display());
        ExitCode::from(2)
    })
}

/// `file:line:col: error: message`, the one shape every parse error is shown in.
fn parse_error_line(path: &Path, e: &ParseError) -> String {
    format!(
        "{}:{}:{}: error: {}",
        path.display(),
        e.position.line,
        e.position.column,
        e.message
    )
}

fn debug(cmd: DebugCommand) -> ExitCode {
    match cmd {
        DebugCommand::Compose {
            files,
            env_files,
            profiles,
            no_consistency,
        } => debug_compose(files, env_files, profiles, !no_consistency),
        DebugCommand::Dump { file } => with_parsed(&file, |df| dump::dump(df).into_bytes()),
        DebugCommand::Reprint { file } => with_parsed(&file, Dockerfile::reprint),
        DebugCommand::Model {
            file,
            build_args,
            target,
        } => {
            let options = build_options(&build_args, target);
            with_parsed(&file, |df| {
                let model = Model::build(df, &options);
                let mut text = debug_model::render(df, &model);
                for e in &model.errors {
                    let p = df.position(e.span.start);
                    text.push_str(&format!("error at {p}: {}\n", e.message));
                }
                text.into_bytes()
            })
        }
        DebugCommand::Expand {
            env,
            words,
            escape,
            word,
        } => {
            let vars: Vec<(String, String)> = env
                .iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (kv.clone(), String::new()),
                })
                .collect();
            let lexer = Lexer::new(escape);
            let result = if words {
                lexer.process_words(&word, &vars).map(|w| w.join(","))
            } else {
                lexer.process_word(&word, &vars).map(|e| e.value)
            };
            match result {
                Ok(s) => {
                    println!("{s}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn debug_compose(
    files: Vec<PathBuf>,
    env_files: Vec<PathBuf>,
    profiles: Vec<String>,
    consistency: bool,
) -> ExitCode {
    let options = seaworthy_compose::Options {
        files,
        env_files,
        profiles,
        environment: std::env::vars().collect(),
        working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        consistency,
        texts: Default::default(),
    };
    match seaworthy_compose::load(&options) {
        Ok(project) => {
            for v in &project.unset_variables {
                let (path, pos) = project.locate(v.origin);
                eprintln!(
                    "{}:{}: warning: the {:?} variable is not set, defaulting to a blank string",
                    path.display(),
                    pos,
                    v.value
                );
            }
            let json = seaworthy_compose::json::to_json(&project);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn with_parsed(path: &Path, out: impl Fn(&Dockerfile) -> Vec<u8>) -> ExitCode {
    let src = match read(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match Dockerfile::parse(src) {
        Ok(df) => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&out(&df));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", parse_error_line(path, &e));
            ExitCode::from(2)
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    if let Some(j) = args.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j)
            .build_global();
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let setup = match args.out.setup(&cwd) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = &setup.config;
    let found = match discover::discover_or_exit(&args.paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let options = args.load.build_options();
    let compose_options = args.load.compose(&cwd);
    // Each file is read, parsed and modelled on its own thread, each Compose project loaded and
    // checked on its own; diagnostics come back as lines so that output order does not depend
    // on scheduling.
    let (mut results, projects): (Vec<FileReport>, Vec<compose::ComposeReport>) = rayon::join(
        || {
            found
                .dockerfiles
                .into_par_iter()
                .map(|path| check_file(path, &options, config, !args.no_shellcheck))
                .collect()
        },
        || {
            found
                .compose
                .par_iter()
                .map(|p| compose::check_project(p, config, &cwd, &compose_options))
                .collect()
        },
    );
    // A file shared by two projects (a common `extends` base) is reported once.
    let projects = compose::dedupe(projects);
    // ShellCheck runs once over the scripts of every file, in batches: one process per file
    // would cost more than all the rest of the run. Its absence is not an error.
    if !args.no_shellcheck {
        if let Some(mut sc) = shellcheck::ShellCheck::locate() {
            if let Some(dir) = shellcheck::default_cache_dir().filter(|_| !args.no_cache) {
                sc = sc.with_cache(&dir);
            }
            let outcome = {
                let all: Vec<&[_]> = results.iter().map(|r| r.scripts.as_slice()).collect();
                sc.check(&all)
            };
            match outcome {
                Ok(per_file) => {
                    for (r, mut found) in results.iter_mut().zip(per_file) {
                        if let Some(s) = &r.suppressions {
                            s.apply(&mut found);
                        }
                        config.filter(&r.path, &mut found);
                        r.findings.extend(found);
                        r.sort_findings();
                    }
                }
                Err(e) => eprintln!("warning: ShellCheck skipped: {e}"),
            }
        }
    }

    // `--image`: the built image, audited and held against the Dockerfile.
    let mut images: Vec<(String, Vec<Finding>)> = Vec::new();
    if let Some(spec) = &args.image {
        match cross_check_image(spec, &args, &setup, &options, &mut results) {
            Ok(findings) => images.push((spec.clone(), findings)),
            Err(code) => return code,
        }
    }

    let mut errors = 0;
    // Diagnostics of Dockerfiles and Compose projects, ordered by path.
    let mut diagnostics: Vec<(&Path, &[String], &[String])> = Vec::new();
    for report in &results {
        diagnostics.push((&report.path, &report.errors, &report.warnings));
    }
    for project in &projects {
        diagnostics.push((&project.path, &project.errors, &project.warnings));
    }
    diagnostics.sort_by_key(|d| d.0);
    let mut side = String::new();
    for (_, errs, warnings) in &diagnostics {
        if !errs.is_empty() {
            errors += 1;
        }
        for line in errs.iter().chain(warnings.iter()) {
            side.push_str(line);
            side.push('\n');
        }
    }
    args.out.diagnostics(&side);

    // Every checked file, Dockerfile or Compose file, ordered by path.
    let mut checked: Vec<(&Path, String, &dyn seaworthy_report::Source, &[Finding])> = results
        .iter()
        .filter_map(|r| {
            r.file.as_ref().map(|file| {
                (
                    r.path.as_path(),
                    r.path.display().to_string(),
                    file as &dyn seaworthy_report::Source,
                    r.findings.as_slice(),
                )
            })
        })
        .collect();
    for f in projects.iter().flat_map(|p| &p.files) {
        checked.push((
            f.path.as_path(),
            f.path.display().to_string(),
            &f.text,
            f.findings.as_slice(),
        ));
    }
    checked.sort_by_key(|c| c.0);
    let mut inputs: Vec<ReportInput<'_>> = checked
        .iter()
        .map(|(_, path, file, findings)| ReportInput::file(path, *file, findings))
        .collect();
    for (name, findings) in &images {
        inputs.push(ReportInput::logical("image", name, findings));
    }
    let (safe_fixes, unsafe_fixes) = seaworthy_report::fixable(&inputs);
    let fixable = match (safe_fixes, unsafe_fixes) {
        (0, 0) => String::new(),
        (n, 0) => format!(" ({n} fixable with `seaworthy fix`)"),
        (0, m) => format!(" ({m} fixable with `seaworthy fix --unsafe-fixes`)"),
        (n, m) => format!(" ({n} fixable with `seaworthy fix`, {m} more with `--unsafe-fixes`)"),
    };
    args.out.finish(&setup, &inputs, errors, |findings| {
        format!(
            "checked {} and {}{}, {} with errors, {}{fixable}",
            output::plural(results.len(), "Dockerfile"),
            output::plural(projects.len(), "Compose project"),
            if images.is_empty() {
                ""
            } else {
                " against 1 image"
            },
            errors,
            output::plural(findings, "finding"),
        )
    })
}

/// `check --image`: audits the image and holds it against the one Dockerfile checked. The
/// findings the image proves about a Dockerfile line join that file's findings; the image's
/// other findings are returned.
fn cross_check_image(
    spec: &str,
    args: &CheckArgs,
    setup: &output::Setup,
    options: &BuildOptions,
    results: &mut [FileReport],
) -> Result<Vec<Finding>, ExitCode> {
    let checked: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].file.is_some() && results[i].errors.is_empty())
        .collect();
    let [one] = checked[..] else {
        eprintln!(
            "error: --image cross-checks one Dockerfile with its image, and {} were checked; \
             name the Dockerfile",
            checked.len()
        );
        return Err(ExitCode::from(2));
    };
    let source = image::Source {
        platform: args.platform.clone(),
        insecure: args.insecure,
        ca_file: args.ca_file.clone(),
    };
    let built = image::open(spec, &source)?;
    let image_options = image::options_now(setup.config.settings.lowest_efficiency);
    let scanned = image::scan_and_check(&built, spec, setup, &image_options, !args.out.quiet)
        .map_err(|e| image::fail(spec, &e))?;
    let report = &mut results[one];
    let Some(df) = report.file.as_ref() else {
        return Ok(scanned.findings);
    };
    let model = Model::build(df, options);
    let dockerfile = seaworthy_rules::DockerfileContext {
        file: df,
        model: &model,
        settings: &setup.config.settings,
        build_context: None,
    };
    let image_cx = seaworthy_rules::rules::image::ImageContext::new(
        &built,
        &scanned.index,
        &scanned.facts,
        &setup.config.settings,
        &image_options,
    );
    let crossed = seaworthy_rules::rules::image::differs_from_dockerfile::cross_check(
        &dockerfile,
        &image_cx,
        scanned.findings,
        spec,
    );
    let mut on_file = crossed.dockerfile;
    if let Some(s) = &report.suppressions {
        s.apply(&mut on_file);
    }
    setup.config.filter(&report.path, &mut on_file);
    drop(model);
    report.findings.extend(on_file);
    report.sort_findings();
    Ok(crossed.image)
}

struct FileReport {
    path: PathBuf,
    /// Set when the file parsed.
    file: Option<Dockerfile>,
    findings: Vec<Finding>,
    errors: Vec<String>,
    warnings: Vec<String>,
    /// The RUN scripts ShellCheck is to see, gathered while the model is at hand.
    scripts: Vec<seaworthy_rules::shellcheck::ShellScript>,
    /// The file's inline pragmas, for the ShellCheck findings that come later.
    suppressions: Option<Suppressions>,
}

impl FileReport {
    /// Findings in file order: by span, then rule, as every format lists them.
    fn sort_findings(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.span.start, a.span.end, a.rule.id).cmp(&(b.span.start, b.span.end, b.rule.id))
        });
    }
}

fn check_file(
    path: PathBuf,
    options: &BuildOptions,
    config: &Config,
    shellcheck: bool,
) -> FileReport {
    let mut report = FileReport {
        path: path.clone(),
        file: None,
        findings: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        scripts: Vec::new(),
        suppressions: None,
    };
    let src = match std::fs::read(&path) {
        Ok(src) => src,
        Err(e) => {
            report
                .errors
                .push(format!("{}: error: {e}", path.display()));
            return report;
        }
    };
    let df = match Dockerfile::parse(src) {
        Ok(df) => df,
        Err(e) => {
            report.errors.push(parse_error_line(&path, &e));
            return report;
        }
    };
    let at = |offset: usize| {
        let p = df.position(offset);
        format!("{}:{}:{}", path.display(), p.line, p.column)
    };
    // Empty continuation lines are reported by the empty-continuation-line rule, which can be
    // configured and suppressed; the other parser warnings have no rule.
    for w in df
        .warnings
        .iter()
        .filter(|w| w.kind != seaworthy_dockerfile::WarningKind::EmptyContinuation)
    {
        report
            .warnings
            .push(format!("{}: warning: {}", at(w.span.start), w.message));
    }
    let model = Model::build(&df, options);
    for e in &model.errors {
        report
            .errors
            .push(format!("{}: error: {}", at(e.span.start), e.message));
    }
    // A file BuildKit would refuse is reported as such, not linted on a guess.
    if model.errors.is_empty() {
        let build_context = context::load(&path);
        let (findings, suppressions) =
            rule_findings(&path, &df, &model, config, build_context.as_deref());
        if shellcheck {
            report.scripts = seaworthy_rules::shellcheck::scripts(&df, &model);
        }
        report.suppressions = suppressions;
        report.findings = findings;
    }
    drop(model);
    report.file = Some(df);
    report
}

/// What the rules find in a parsed Dockerfile without model errors, as `check` and `fix`
/// report it: the file's pragmas and the configuration for `path` applied (ShellCheck's
/// findings come later). The pragmas are returned for those.
fn rule_findings(
    path: &Path,
    df: &Dockerfile,
    model: &Model<'_>,
    config: &Config,
    build_context: Option<&seaworthy_dockerfile::BuildContext>,
) -> (Vec<Finding>, Option<Suppressions>) {
    let mut findings =
        seaworthy_rules::check_dockerfile(df, model, &config.settings, build_context);
    let suppressions = config.inline_ignores.then(|| {
        let suppressions = Suppressions::from_file(df, model);
        suppressions.apply(&mut findings);
        suppressions
    });
    config.filter(path, &mut findings);
    (findings, suppressions)
}

/// A rule's documentation as `seaworthy rule` prints it.
fn rule_doc(m: &seaworthy_rules::RuleMeta) -> String {
    let aliases = if m.aliases.is_empty() {
        String::new()
    } else {
        format!("Also known as: {}\n", m.aliases.join(", "))
    };
    format!(
        "{} {} ({}, {})\n{}\n\n{}\n\n{}Practice: {}\nFix: {}\n\nExample:\n{}\nUse instead:\n{}",
        m.id,
        m.name,
        m.severity,
        m.category.as_str(),
        m.summary,
        m.why,
        aliases,
        m.practice,
        match seaworthy_rules::fix_kind(m) {
            seaworthy_rules::FixKind::None => "none",
            seaworthy_rules::FixKind::Safe => "`seaworthy fix` repairs it",
            seaworthy_rules::FixKind::Unsafe => "`seaworthy fix --unsafe-fixes` repairs it",
        },
        indent(m.bad),
        indent(m.good)
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn build_options(build_args: &[String], target: Option<String>) -> BuildOptions {
    let mut options = BuildOptions::default();
    for kv in build_args {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        options.build_args.insert(k.to_string(), v.to_string());
    }
    options.target = target;
    options
}
