//! What every auditing command shares: the configuration, rule selection, the report's format
//! and destination, the failure threshold and the exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args as ClapArgs;
use seaworthy_report::{FileReport, OutputFormat, RenderOptions};
use seaworthy_rules::Severity;

use crate::config::{Config, FailOn};

/// Flags for configuration, selection and output, the same for `check`, `image` and `runtime`.
#[derive(ClapArgs, Debug, Clone)]
pub struct OutputArgs {
    /// The configuration file (default: the nearest .seaworthy.toml from the working directory
    /// upward, else the nearest .hadolint.yaml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only these rules: ids, names, aliases or categories (comma-separated; repeatable).
    /// Replaces the configured selection.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Turn these rules off: ids, names, aliases or categories (comma-separated; repeatable).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Output format: human, concise, json, sarif, junit, checkstyle, github or gitlab.
    #[arg(long, default_value = "human", value_parser = parse_format)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output (the summary stays on stderr).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// After the report, count the findings per rule.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 1 when a finding is at least this severe: error, warning, info, style, or none
    /// (default: the configuration's fail-on, else info).
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// No colour, whatever --color says.
    #[arg(long)]
    pub no_color: bool,
    /// Print nothing but the findings.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    FailOn::parse(s)
        .ok_or_else(|| format!("unknown severity {s:?}: use error, warning, info, style or none"))
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(s).ok_or_else(|| {
        format!(
            "unknown format {s:?}: use {}",
            OutputFormat::NAMES.join(", ")
        )
    })
}

/// A loaded configuration with the command line's selection applied.
pub struct Setup {
    pub config: Config,
    pub fail_on: FailOn,
}

impl OutputArgs {
    /// The flags of a command that selects rules but reports no findings (`fix`).
    pub fn selection(config: Option<PathBuf>, select: &[String], ignore: &[String]) -> Self {
        OutputArgs {
            config,
            select: select.to_vec(),
            ignore: ignore.to_vec(),
            format: OutputFormat::Human,
            output: None,
            statistics: false,
            fail_on: None,
            color: "never".into(),
            no_color: true,
            quiet: false,
        }
    }

    /// Finds and loads the configuration (printing its warnings), applies `--select` and
    /// `--ignore`; an error is printed and becomes exit code 2.
    pub fn setup(&self, cwd: &Path) -> Result<Setup, ExitCode> {
        let mut config = match Config::find(self.config.as_deref(), cwd) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return Err(ExitCode::from(2));
            }
        };
        for w in &config.warnings {
            eprintln!("{w}");
        }
        if let Err(e) = config.set_cli_selection(&self.select, &self.ignore) {
            eprintln!("{e}");
            return Err(ExitCode::from(2));
        }
        let fail_on = self
            .fail_on
            .or(config.fail_on)
            .unwrap_or(FailOn::At(Severity::Info));
        Ok(Setup { config, fail_on })
    }

    /// Whether the report is coloured: `--color always`, or `auto` with the report on a
    /// terminal and NO_COLOR unset; never with `--no-color`.
    pub fn color(&self) -> bool {
        !self.no_color
            && match self.color.as_str() {
                "always" => true,
                "never" => false,
                _ => {
                    self.output.is_none()
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            }
    }

    /// Machine formats on stdout stay parseable: diagnostics and statistics then go to stderr.
    pub fn diagnostics_to_stdout(&self) -> bool {
        self.output.is_some() || matches!(self.format, OutputFormat::Human | OutputFormat::Concise)
    }

    /// Writes `diagnostics` (error and warning lines, each ending in a newline) where they
    /// belong for this format.
    pub fn diagnostics(&self, diagnostics: &str) {
        emit(self.diagnostics_to_stdout(), diagnostics.as_bytes());
    }

    /// Renders the reports, writes them (atomically to `--output`), the statistics and, unless
    /// `--quiet`, the summary line `summary(findings)` on stderr; returns the exit code: 2 when
    /// `errors` > 0, 1 when a finding reaches the threshold, else 0.
    pub fn finish(
        &self,
        setup: &Setup,
        reports: &[FileReport<'_>],
        errors: usize,
        summary: impl FnOnce(usize) -> String,
    ) -> ExitCode {
        let color = self.color();
        let mut report = Vec::new();
        let _ =
            seaworthy_report::render(self.format, &mut report, reports, &RenderOptions { color });
        match &self.output {
            None => emit(true, &report),
            Some(path) => {
                if let Err(e) = write_atomically(path, &report) {
                    eprintln!("{}: error: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
        if self.statistics {
            let mut table = Vec::new();
            let _ = seaworthy_report::statistics(&mut table, reports);
            emit(self.diagnostics_to_stdout(), &table);
        }
        let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
        let failing = reports
            .iter()
            .flat_map(|r| r.findings)
            .any(|f| setup.fail_on.fails(f.severity));
        if !self.quiet {
            let written = match &self.output {
                Some(path) => format!(", report written to {}", path.display()),
                None => String::new(),
            };
            eprintln!("{}{written}", summary(findings));
        }
        if errors > 0 {
            ExitCode::from(2)
        } else if failing {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// `1 finding`, `2 findings`.
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes to stdout, or to stderr when `stdout` is false.
pub fn emit(stdout: bool, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let _ = if stdout {
        std::io::stdout().lock().write_all(bytes)
    } else {
        std::io::stderr().lock().write_all(bytes)
    };
}

/// Replaces `path` with `bytes` through a temporary file in the same directory, so that a
/// reader never sees half a report and a failed run leaves the old one in place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link to the file it names: the link stays a link.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(path)?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    // A file rewritten in place (`fix`, `pin`) keeps its permissions; a new one gets what
    // creating it normally gives (0666 minus the umask), not the temporary file's 0600.
    let permissions = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?
            .metadata()?
            .permissions(),
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
