//! What a rule reports, and what a rule is.

use std::fmt;

use seaworthy_dockerfile::Span;

/// How bad a finding is. Ordered: `Error > Warning > Info > Style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "style" => Some(Severity::Style),
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a rule is about, so users can select and reason in groups rather than in ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Who the container runs as.
    Identity,
    /// Which image, pinned how, from where.
    Supply,
    /// Secrets in build arguments, environment, layers or the build context.
    Secrets,
    /// Healthchecks, signals, PID 1.
    Runtime,
    /// Image size and layer hygiene: package caches, toolchains, cleanup.
    Hygiene,
    /// Mistakes that make the build wrong or fragile regardless of production practice.
    Correctness,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Supply => "supply-chain",
            Category::Secrets => "secrets",
            Category::Runtime => "runtime",
            Category::Hygiene => "hygiene",
            Category::Correctness => "correctness",
        }
    }
}

/// Everything about a rule that is not its check: the documentation is part of it, so that
/// `seaworthy rule ID` and the generated docs cannot drift from the code.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, `SW` and four digits: `SW1xxx` Dockerfile rules.
    pub id: &'static str,
    /// kebab-case, says what is wrong: `last-user-root`.
    pub name: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// The row of PRACTICES.md this rule serves (0 for correctness rules outside the table).
    pub practice: u8,
    /// The same concern's ids in other tools: hadolint `DL3002`, BuildKit `JSONArgsRecommended`,
    /// trivy `DS-0002`, checkov `CKV_DOCKER_3`.
    pub aliases: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it matters in production.
    pub why: &'static str,
    /// A Dockerfile that triggers the rule.
    pub bad: &'static str,
    /// The same Dockerfile, fixed.
    pub good: &'static str,
}

/// A byte-range replacement on the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A repair: edits that together fix the finding. The edits are on the text of the file the
/// finding is in ([`Finding::file`]); they do not overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// `false` when applying it may change what the user meant (`--unsafe-fixes`).
    pub safe: bool,
    /// Files the fix writes beside the edited one: a secret moved out of a Compose file, the
    /// `.gitignore` line that keeps it out of the repository.
    pub writes: Vec<FileWrite>,
}

impl Fix {
    /// A safe fix made of `edits`.
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            edits,
            safe: true,
            writes: Vec::new(),
        }
    }

    /// A fix made of `edits` that may change what the file means: applied only with
    /// `--unsafe-fixes`.
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            safe: false,
            ..Fix::safe(title, edits)
        }
    }
}

impl Edit {
    /// Replaces the bytes of `span`.
    pub fn replace(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }

    /// Inserts `text` at byte `offset`.
    pub fn insert(offset: usize, text: impl Into<String>) -> Edit {
        Edit::replace(Span::new(offset, offset), text)
    }

    /// Deletes the bytes of `span`.
    pub fn delete(span: Span) -> Edit {
        Edit::replace(span, String::new())
    }
}

/// A file a fix writes, by a path relative to the directory of the file the finding is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    pub path: std::path::PathBuf,
    pub contents: String,
    pub how: WriteKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// A new file, readable by its owner only; a file already there with other contents makes
    /// the fix fail rather than overwrite it.
    CreateSecret,
    /// Each line of `contents` appended unless the file already has it (`.gitignore`); the
    /// file is created when missing.
    AppendLines,
}

/// What `seaworthy fix` can do about a rule's findings, for the rule's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// Nothing: the repair needs a person.
    None,
    /// Some findings carry a fix that keeps the file's meaning.
    Safe,
    /// Some findings carry a fix that may change the file's meaning (`--unsafe-fixes`).
    Unsafe,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::None => "none",
            FixKind::Safe => "safe",
            FixKind::Unsafe => "unsafe",
        }
    }
}

/// Another place that explains the finding (the stage's FROM, the earlier USER, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// The file `span` is in, for artifacts read from several files (a Compose project's
    /// `Project::files`); 0 for a single file such as a Dockerfile.
    pub file: usize,
    /// Where the finding is inside an artifact that is not a text file, for people and for
    /// SARIF's logical locations: a container's `HostConfig.Privileged`, an image's
    /// `/etc/shadow`. `None` for findings in files, which `span` places.
    pub logical: Option<String>,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            span,
            file: 0,
            logical: None,
            related: Vec::new(),
            fix: None,
        }
    }

    /// A finding in an artifact without text (an image, a container, the daemon), at the
    /// logical place `location` (`Config.User`, `/etc/shadow`).
    pub fn at(
        rule: &'static RuleMeta,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(rule, Span::new(0, 0), message).with_logical(location)
    }

    /// Sets the logical place of the finding (see [`Finding::logical`]).
    pub fn with_logical(mut self, location: impl Into<String>) -> Finding {
        self.logical = Some(location.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// The finding is in file `file` of a multi-file artifact.
    pub fn in_file(mut self, file: usize) -> Finding {
        self.file = file;
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }
}
