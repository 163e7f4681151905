//! `seaworthy fix`: the findings' fixes applied to the files, checked before they are written.
//!
//! Per Dockerfile and per Compose project: check, take the fixes that do not conflict, apply
//! them to the text in memory, parse (or load) and check the result again, and repeat until no
//! fix is left (`seaworthy_rules::fix::converge`). Only then is anything written, each file
//! atomically with its permissions kept. A file that does not parse is never touched; a fix
//! whose result does not parse is a bug, reported, and its file left as it was.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args as ClapArgs;
use seaworthy_dockerfile::{Dockerfile, Model};
use seaworthy_rules::fix::{converge, AppliedFix, ConvergeError, Converged};
use seaworthy_rules::{FileWrite, Finding, WriteKind};

use crate::config::Config;
use crate::output::{plural, write_atomically, OutputArgs};
use crate::{compose, context, discover};

#[derive(ClapArgs)]
pub struct FixArgs {
    /// Files or directories to fix; directories are walked respecting .gitignore.
    paths: Vec<PathBuf>,
    /// Apply the fixes that may change what a file means too (a numeric USER, `cap_drop:
    /// [ALL]`, a read-only root file system, a secret moved to a file...).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what would change instead of writing it; exit 1 when there is
    /// a change.
    #[arg(long)]
    diff: bool,
    /// The configuration file (default: the nearest .seaworthy.toml upward, else
    /// .hadolint.yaml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fix only the findings of these rules: ids, names, aliases or categories.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Vec<String>,
    /// Leave the findings of these rules alone.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Vec<String>,
    #[command(flatten)]
    load: crate::LoadArgs,
    /// Print only errors and the diff.
    #[arg(short, long)]
    quiet: bool,
}

/// What fixing one file gave.
struct FileOutcome {
    /// Where the file is written.
    path: PathBuf,
    /// How the user sees its path.
    shown: PathBuf,
    before: String,
    after: String,
    applied: Vec<AppliedFix>,
}

/// Totals over the run.
#[derive(Default)]
struct Tally {
    fixed: usize,
    files_changed: usize,
    remaining: usize,
    /// Remaining findings with a fix `--unsafe-fixes` would apply.
    remaining_unsafe: usize,
    errors: usize,
    changed: bool,
}

pub fn run(args: FixArgs) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let out = OutputArgs::selection(args.config.clone(), &args.select, &args.ignore);
    let setup = match out.setup(&cwd) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = &setup.config;
    let found = match discover::discover_or_exit(&args.paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut tally = Tally::default();
    let wanted = |_: &Finding, fix: &seaworthy_rules::Fix| fix.safe || args.unsafe_fixes;
    let options = args.load.build_options();

    for path in &found.dockerfiles {
        let before = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                // Edits are made on text: a file that is not UTF-8 is left alone.
                Err(_) => {
                    eprintln!("{}: warning: not UTF-8, not fixed", path.display());
                    continue;
                }
            },
            Err(e) => {
                eprintln!("{}: error: {e}", path.display());
                tally.errors += 1;
                continue;
            }
        };
        let build_context = context::load(path);
        let check = |texts: &[String]| -> Result<Vec<Finding>, String> {
            dockerfile_findings(path, &texts[0], &options, config, build_context.as_deref())
        };
        match converge(vec![before.clone()], check, wanted) {
            Ok(done) => {
                count_remaining(&mut tally, &done, args.unsafe_fixes);
                let after = done.texts.into_iter().next().unwrap_or_default();
                let outcome = FileOutcome {
                    path: path.clone(),
                    shown: path.clone(),
                    before,
                    after,
                    applied: done.applied,
                };
                finish_file(&args, &outcome, &[], &mut tally);
            }
            Err(e) => report_error(path, e, &mut tally),
        }
    }

    let load = args.load.compose(&cwd);
    for project in &found.compose {
        fix_project(project, config, &cwd, &load, &args, &wanted, &mut tally);
    }

    if !args.quiet {
        let mut summary = if args.diff {
            format!(
                "{} would be applied to {}",
                fixes(tally.fixed),
                plural(tally.files_changed, "file")
            )
        } else {
            format!(
                "{} applied to {}",
                fixes(tally.fixed),
                plural(tally.files_changed, "file")
            )
        };
        summary.push_str(&format!(
            ", {} remaining",
            plural(tally.remaining, "finding")
        ));
        if tally.remaining_unsafe > 0 {
            summary.push_str(&format!(
                " ({} more fixable with --unsafe-fixes)",
                tally.remaining_unsafe
            ));
        }
        if tally.errors > 0 {
            summary.push_str(&format!(", {} not fixed", plural(tally.errors, "file")));
        }
        eprintln!("{summary}");
    }
    if tally.errors > 0 {
        ExitCode::from(2)
    } else if (args.diff && tally.changed) || (!args.diff && tally.remaining > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn fixes(n: usize) -> String {
    format!("{n} {}", if n == 1 { "fix" } else { "fixes" })
}

/// The findings `check` reports on one Dockerfile's text (without ShellCheck's, which have no
/// fixes), or why the text does not parse or model.
fn dockerfile_findings(
    path: &Path,
    text: &str,
    options: &seaworthy_dockerfile::BuildOptions,
    config: &Config,
    build_context: Option<&seaworthy_dockerfile::BuildContext>,
) -> Result<Vec<Finding>, String> {
    let df = Dockerfile::parse(text.as_bytes().to_vec())
        .map_err(|e| crate::parse_error_line(path, &e))?;
    let model = Model::build(&df, options);
    if let Some(e) = model.errors.first() {
        let p = df.position(e.span.start);
        return Err(format!(
            "{}:{}:{}: error: {}",
            path.display(),
            p.line,
            p.column,
            e.message
        ));
    }
    Ok(crate::rule_findings(path, &df, &model, config, build_context).0)
}

fn count_remaining(tally: &mut Tally, done: &Converged, unsafe_fixes: bool) {
    tally.remaining += done.remaining.len();
    if !unsafe_fixes {
        tally.remaining_unsafe += done
            .remaining
            .iter()
            .filter(|f| f.fix.as_ref().is_some_and(|fix| !fix.safe))
            .count();
    }
}

fn report_error(path: &Path, e: ConvergeError<String>, tally: &mut Tally) {
    tally.errors += 1;
    match e {
        ConvergeError::Input(message) => eprintln!("{message} (not fixed)"),
        ConvergeError::Broken { rules, error } => eprintln!(
            "{}: error: the fixes of {} made a file that does not check ({error}); nothing \
             was written — please report this",
            path.display(),
            rules.join(", ")
        ),
    }
}

/// Writes (or diffs) one fixed file and the files its fixes write beside it.
fn finish_file(args: &FixArgs, outcome: &FileOutcome, writes: &[&FileWrite], tally: &mut Tally) {
    let changed = outcome.after != outcome.before;
    if changed {
        tally.changed = true;
        tally.files_changed += 1;
        tally.fixed += outcome.applied.len();
    }
    if args.diff {
        if changed {
            let shown = outcome.shown.display().to_string();
            let shown = shown.strip_prefix("./").unwrap_or(&shown);
            let diff = similar::TextDiff::from_lines(&outcome.before, &outcome.after)
                .unified_diff()
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
                .to_string();
            let _ = std::io::stdout().lock().write_all(diff.as_bytes());
        }
        for w in writes {
            let target = beside(&outcome.shown, &w.path);
            println!(
                "{} {}",
                match w.how {
                    WriteKind::CreateSecret => "would create (readable by its owner only)",
                    WriteKind::AppendLines => "would add lines to",
                },
                target.display()
            );
        }
        return;
    }
    if !changed {
        return;
    }
    // The files beside it first: a secret must exist before the file that names it.
    for w in writes {
        let target = beside(&outcome.path, &w.path);
        if let Err(e) = write_beside(&target, w) {
            eprintln!(
                "{}: error: {e}; {} not fixed",
                beside(&outcome.shown, &w.path).display(),
                outcome.shown.display()
            );
            tally.errors += 1;
            return;
        }
    }
    if let Err(e) = write_atomically(&outcome.path, outcome.after.as_bytes()) {
        eprintln!("{}: error: {e}", outcome.shown.display());
        tally.errors += 1;
        return;
    }
    if !args.quiet {
        for a in &outcome.applied {
            eprintln!(
                "{}: fixed {} ({}): {}",
                outcome.shown.display(),
                a.rule.id,
                a.rule.name,
                a.fix.title
            );
        }
    }
}

fn beside(file: &Path, relative: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new(".")).join(relative)
}

/// Performs one [`FileWrite`].
fn write_beside(target: &Path, w: &FileWrite) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match w.how {
        WriteKind::CreateSecret => {
            if let Ok(existing) = std::fs::read_to_string(target) {
                if existing == w.contents {
                    return Ok(());
                }
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "exists with other contents; not overwritten",
                ));
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(target)?;
            f.write_all(w.contents.as_bytes())?;
            f.sync_all()
        }
        WriteKind::AppendLines => {
            let mut text = std::fs::read_to_string(target).unwrap_or_default();
            let before = text.len();
            // A .gitignore that already ignores the path (`/secrets/` for `secrets/`) keeps
            // its own line.
            let ignored = |text: &str, line: &str| {
                let is_gitignore = target.file_name().is_some_and(|n| n == ".gitignore");
                let dir = target.parent().unwrap_or(Path::new("."));
                let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
                for l in text.lines() {
                    let _ = builder.add_line(None, l);
                }
                let path = dir.join(line.trim_start_matches('/').trim_end_matches('/'));
                is_gitignore
                    && builder.build().is_ok_and(|g| {
                        g.matched_path_or_any_parents(&path, line.ends_with('/'))
                            .is_ignore()
                    })
            };
            for line in w.contents.lines() {
                if !text.lines().any(|l| l.trim_end() == line) && !ignored(&text, line) {
                    if !text.is_empty() && !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(line);
                    text.push('\n');
                }
            }
            if text.len() == before {
                return Ok(());
            }
            write_atomically(target, text.as_bytes())
        }
    }
}

/// Fixes the files of one Compose project together: the project is loaded from the edited
/// texts after each pass, so a fix in one file is judged with the others merged in.
fn fix_project(
    project: &discover::ComposeProject,
    config: &Config,
    cwd: &Path,
    load: &compose::LoadOptions,
    args: &FixArgs,
    wanted: &dyn Fn(&Finding, &seaworthy_rules::Fix) -> bool,
    tally: &mut Tally,
) {
    let prepared = compose::Prepared::new(project, cwd, load);
    let first = match prepared.load(HashMap::new()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e} (not fixed)");
            tally.errors += 1;
            return;
        }
    };
    let files: Vec<PathBuf> = first.files.iter().map(|f| f.path.clone()).collect();
    let before: Vec<String> = first.files.iter().map(|f| f.text.clone()).collect();
    drop(first);
    let check = |texts: &[String]| -> Result<Vec<Finding>, String> {
        let overrides: HashMap<PathBuf, String> =
            files.iter().cloned().zip(texts.iter().cloned()).collect();
        let loaded = prepared.load(overrides)?;
        // A fix must not change which files make the project.
        if loaded.files.len() != files.len()
            || loaded.files.iter().zip(&files).any(|(a, b)| a.path != *b)
        {
            return Err("the project's files changed".into());
        }
        Ok(prepared.findings(&loaded, config))
    };
    let done = match converge(before.clone(), check, |f, fix| wanted(f, fix)) {
        Ok(done) => done,
        Err(e) => {
            report_error(&prepared.show(&files[0]), e, tally);
            return;
        }
    };
    count_remaining(tally, &done, args.unsafe_fixes);
    for (i, (path, after)) in files.iter().zip(&done.texts).enumerate() {
        let applied: Vec<AppliedFix> = done
            .applied
            .iter()
            .filter(|a| a.file == i)
            .cloned()
            .collect();
        let writes: Vec<&FileWrite> = done
            .applied
            .iter()
            .filter(|a| a.file == i)
            .flat_map(|a| a.fix.writes.iter())
            .collect();
        let outcome = FileOutcome {
            path: path.clone(),
            shown: prepared.show(path),
            before: before[i].clone(),
            after: after.clone(),
            applied,
        };
        finish_file(args, &outcome, &writes, tally);
    }
}
