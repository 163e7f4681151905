//! The build context a Dockerfile is built with: its `.dockerignore` and the files it holds.
//! Read from disk by the CLI; rules see only this value.
//!
//! The ignore file is read and matched as BuildKit does (moby/patternmatcher and its
//! `ignorefile` reader):
//!
//! - A line whose first byte is `#` is a comment (a `#` after leading spaces is not). A UTF-8
//!   byte order mark before the first line is dropped. Lines are trimmed; blank lines skipped.
//! - `!` makes an exception, which takes paths back in. Each pattern is cleaned as Go's
//!   `filepath.Clean` does (`a//b/./c/` is `a/b/c`), and a leading `/` is dropped: every pattern
//!   is anchored at the root of the context.
//! - `*` matches any run of characters but `/`, `?` one character but `/`, `[...]` a character
//!   class, `\` escapes the next character, and `**` any number of directories (`**/x` matches
//!   `x` at any depth, `x/**` everything under `x`). A pattern starting with `**` followed only
//!   by plain characters matches every path ending in them (`**.txt` matches `a/b.txt`).
//! - A path is excluded when the last pattern matching it, or matching one of its parent
//!   directories, is not an exception: excluding a directory excludes everything under it.
//!
//! The patterns are translated to regular expressions the way patternmatcher translates them
//! for Go's regexp, so the corner cases agree with BuildKit rather than with gitignore
//! (`[!a]` is a class of `!` and `a`, not a negation; `**` inside a name is not `*`).
//! BuildKit prefers `<Dockerfile name>.dockerignore` next to the Dockerfile to the context's
//! `.dockerignore`; the CLI picks the file, this module reads whichever it is given.

use std::sync::Arc;

/// What the rules know of a build context: the ignore file in effect and the files in the
/// directory sent to the builder.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The ignore file BuildKit would use, when there is one.
    pub ignore: Option<IgnoreFile>,
    /// The context's regular files and symbolic links, relative to its root, `/`-separated,
    /// sorted. The contents of [`BuildContext::unlisted_dirs`] are not listed.
    pub files: Arc<[String]>,
    /// Directories present but not walked: `.git` (a file, for worktrees and submodules) and
    /// `node_modules` at any depth, and directories the ignore file excludes whole. They are
    /// on disk; what they hold is not listed.
    pub unlisted_dirs: Arc<[String]>,
    /// The listing stopped at its cap: files beyond it are not in `files`.
    pub truncated: bool,
}

impl BuildContext {
    /// A context holding `files` (relative paths); directories named `.git` or `node_modules`
    /// among their ancestors go to `unlisted_dirs` instead. Meant for tests and callers that
    /// already have a listing.
    pub fn from_paths<I, S>(paths: I) -> BuildContext
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut files = Vec::new();
        let mut unlisted = Vec::new();
        for p in paths {
            let path = clean_relative(p.as_ref());
            if path == "." {
                continue;
            }
            let parts: Vec<&str> = path.split('/').collect();
            match parts.iter().position(|c| is_unlisted_dir_name(c)) {
                Some(i) => unlisted.push(parts[..=i].join("/")),
                None => files.push(path),
            }
        }
        files.sort();
        files.dedup();
        unlisted.sort();
        unlisted.dedup();
        BuildContext {
            ignore: None,
            files: files.into(),
            unlisted_dirs: unlisted.into(),
            truncated: false,
        }
    }

    /// The same context with `ignore` as its ignore file.
    pub fn with_ignore(mut self, ignore: IgnoreFile) -> BuildContext {
        self.ignore = Some(ignore);
        self
    }

    /// Whether the ignore file keeps `path` (relative to the context) out of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.ignore.as_ref().is_some_and(|i| i.excludes(path))
    }

    /// Every entry: listed files, then the unlisted directories.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .chain(self.unlisted_dirs.iter())
            .map(String::as_str)
    }

    /// Whether `path` may be on disk: it is listed, holds listed entries, or lies in an
    /// unlisted directory (whose contents are unknown).
    pub fn may_exist(&self, path: &str) -> bool {
        let path = clean_relative(path);
        path == "."
            || under(&self.files, &path).next().is_some()
            || under(&self.unlisted_dirs, &path).next().is_some()
            || self
                .unlisted_dirs
                .iter()
                .any(|d| is_same_or_under(&path, d))
    }

    /// The entries a COPY or ADD source covers, excluded or not: the entry itself, the
    /// entries under it when it is a directory, and for a wildcard source the entries it
    /// matches and those under them. `.` (or `/`) covers the whole context.
    pub fn covered_by<'a>(&'a self, source: &str) -> Vec<&'a str> {
        let source = clean_relative(source);
        if source == "." {
            return self.entries().collect();
        }
        if !has_wildcard(&source) {
            return under(&self.files, &source)
                .chain(under(&self.unlisted_dirs, &source))
                .collect();
        }
        let Ok(glob) = PathPattern::new(&source) else {
            return Vec::new();
        };
        self.entries()
            .filter(|entry| glob.matches(entry) || ancestors(entry).any(|a| glob.matches(a)))
            .collect()
    }

    /// The entries a COPY or ADD source sends to the builder: covered and not excluded.
    pub fn sent_by<'a>(&'a self, source: &str) -> Vec<&'a str> {
        self.copied_by(source, &[])
    }

    /// The entries a COPY or ADD source puts in the image: sent to the builder and not left
    /// out by the instruction's `--exclude` patterns. An exclude pattern is tried on the path
    /// relative to the source directory and on the whole path, and on their parents.
    pub fn copied_by<'a>(&'a self, source: &str, excludes: &[String]) -> Vec<&'a str> {
        let excludes: Vec<PathPattern> = excludes
            .iter()
            .filter_map(|p| PathPattern::new(&clean_relative(p)).ok())
            .collect();
        let base = clean_relative(source);
        let mut covered = self.covered_by(source);
        covered.retain(|entry| {
            if self.is_excluded(entry) {
                return false;
            }
            let relative = match entry.strip_prefix(base.as_str()) {
                Some(rest) if base != "." && rest.starts_with('/') => &rest[1..],
                _ => entry,
            };
            !excludes.iter().any(|p| {
                [relative, *entry]
                    .into_iter()
                    .any(|path| p.matches(path) || ancestors(path).any(|a| p.matches(a)))
            })
        });
        covered
    }
}

/// The paths of a sorted list that are `path` or lie under it, found by binary search: `a`
/// and `a/...` need not be adjacent (`a-b` and `a.c` sort between them), each is a range.
fn under<'a>(sorted: &'a [String], path: &str) -> impl Iterator<Item = &'a str> {
    let exact = sorted
        .binary_search_by(|p| p.as_str().cmp(path))
        .ok()
        .map(|i| sorted[i].as_str());
    let prefix = format!("{path}/");
    let start = sorted.partition_point(|p| p.as_str() < prefix.as_str());
    let inside = sorted[start..]
        .iter()
        .take_while(move |p| p.starts_with(prefix.as_str()))
        .map(String::as_str);
    exact.into_iter().chain(inside)
}

/// Whether `entry` is `dir` or lies under it.
fn is_same_or_under(entry: &str, dir: &str) -> bool {
    entry
        .strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `a/b/c` → `a`, `a/b`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// Whether a COPY source is a pattern rather than a path (BuildKit's test: `*`, `?`, `[`).
pub fn has_wildcard(source: &str) -> bool {
    source.contains(['*', '?', '['])
}

/// Directories the CLI does not walk into (their size says nothing about the rules' concerns).
pub fn is_unlisted_dir_name(name: &str) -> bool {
    name == ".git" || name == "node_modules"
}

/// A source or path as BuildKit resolves it in the context: cleaned, leading `/` dropped;
/// `.` for the root.
pub fn clean_relative(path: &str) -> String {
    let cleaned = go_clean(path);
    match cleaned.trim_start_matches('/') {
        "" => ".".to_owned(),
        rest => rest.to_owned(),
    }
}

/// Go's `path.Clean`: the shortest path naming the same file by lexical processing.
/// Repeated slashes become one, `.` elements go, `..` eats the element before it (at the root
/// it is dropped; a relative path keeps leading `..`), a trailing slash goes; the empty path
/// is `.`.
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir` for a cleaned, `/`-separated path.
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => go_clean(&path[..=i]),
        None => ".".to_owned(),
    }
}

/// An ignore file as BuildKit reads it.
#[derive(Debug, Clone)]
pub struct IgnoreFile {
    /// The file name: `.dockerignore` or `<Dockerfile name>.dockerignore`.
    pub name: String,
    /// The file's text (invalid UTF-8 replaced).
    pub text: String,
    /// The patterns in file order.
    pub patterns: Vec<IgnorePattern>,
    /// Patterns BuildKit rejects; any of them makes the build fail.
    pub errors: Vec<IgnoreError>,
}

/// One pattern of an ignore file.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    /// 1-based line in the ignore file.
    pub line: usize,
    /// The pattern after cleaning, without its `!`.
    pub pattern: String,
    /// A `!` pattern: it takes paths back in.
    pub exception: bool,
    matcher: Option<PathPattern>,
}

/// A pattern BuildKit would refuse, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreError {
    /// 1-based line in the ignore file.
    pub line: usize,
    pub message: String,
}

impl IgnoreFile {
    /// Reads `text` as BuildKit reads an ignore file named `name`.
    pub fn parse(name: &str, text: &str) -> IgnoreFile {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        let mut errors = Vec::new();
        for (i, raw) in body.split('\n').enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.starts_with('#') {
                continue;
            }
            let mut pattern = raw.trim_matches(go_space);
            if pattern.is_empty() {
                continue;
            }
            let exception = pattern.starts_with('!');
            if exception {
                pattern = pattern[1..].trim_matches(go_space);
            }
            let mut cleaned = String::new();
            if !pattern.is_empty() {
                cleaned = go_clean(pattern);
                if cleaned.len() > 1 && cleaned.starts_with('/') {
                    cleaned.remove(0);
                }
            }
            // patternmatcher trims and cleans the line once more, `!` included, when it
            // compiles it: `!/` becomes `!`, which it refuses.
            let written = if exception {
                format!("!{cleaned}")
            } else {
                cleaned
            };
            let mut cleaned = go_clean(written.trim_matches(go_space));
            let exception = cleaned.starts_with('!');
            if exception {
                if cleaned.len() == 1 {
                    errors.push(IgnoreError {
                        line,
                        message: "illegal exclusion pattern: \"!\"".to_owned(),
                    });
                    continue;
                }
                cleaned.remove(0);
            }
            let matcher = match PathPattern::new(&cleaned) {
                Ok(m) => Some(m),
                Err(e) => {
                    errors.push(IgnoreError { line, message: e });
                    None
                }
            };
            patterns.push(IgnorePattern {
                line,
                pattern: cleaned,
                exception,
                matcher,
            });
        }
        IgnoreFile {
            name: name.to_owned(),
            text: text.to_owned(),
            patterns,
            errors,
        }
    }

    /// Whether any pattern is an exception (`!`).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `path` is kept out of the context: BuildKit's `MatchesOrParentMatches`.
    pub fn excludes(&self, path: &str) -> bool {
        self.deciding_pattern(path).is_some_and(|p| !p.exception)
    }

    /// The last pattern that matches `path` or one of its parents, i.e. the one deciding
    /// whether it is excluded; `None` when none does (the path is sent).
    pub fn deciding_pattern(&self, path: &str) -> Option<&IgnorePattern> {
        let file = clean_relative(path);
        let parent = go_dir(&file);
        let parents: Vec<&str> = if parent == "." {
            Vec::new()
        } else {
            ancestors(&file).collect()
        };
        let mut matched = false;
        let mut decided = None;
        for pattern in &self.patterns {
            // Like BuildKit: an inclusion is only tried on a path not yet excluded, an
            // exception only on one that is.
            if pattern.exception != matched {
                continue;
            }
            let Some(m) = &pattern.matcher else { continue };
            if m.matches(&file) || parents.iter().any(|p| m.matches(p)) {
                matched = !pattern.exception;
                decided = Some(pattern);
            }
        }
        decided
    }
}

/// Go's `unicode.IsSpace`, which `strings.TrimSpace` trims.
fn go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c > '\u{ff}' && c.is_whitespace())
}

/// One compiled path pattern with patternmatcher's semantics (see the module comment).
#[derive(Debug, Clone)]
pub struct PathPattern {
    kind: PatternKind,
}

#[derive(Debug, Clone)]
enum PatternKind {
    /// No special characters: the path must equal it.
    Exact(String),
    /// `prefix**`: the path must start with the prefix.
    Prefix(String),
    /// `**suffix` with a plain suffix: the path must end with it (or, when it starts with `/`,
    /// equal it without the `/`).
    Suffix(String),
    Regex(regex::Regex),
}

impl PathPattern {
    /// Compiles a cleaned pattern; an error for patterns BuildKit rejects.
    pub fn new(pattern: &str) -> Result<PathPattern, String> {
        #[derive(PartialEq, Clone, Copy)]
        enum Detected {
            Exact,
            Prefix,
            Suffix,
            Regex,
        }
        let chars: Vec<char> = pattern.chars().collect();
        if !go_match_syntax_ok(&chars) {
            return Err(format!("syntax error in pattern {pattern:?}"));
        }
        // patternmatcher's translation, character for character, into Go regexp syntax.
        let mut re = String::from("^");
        let mut detected = Detected::Exact;
        let mut j = 0;
        let mut iteration = 0;
        while j < chars.len() {
            let ch = chars[j];
            j += 1;
            match ch {
                '*' if chars.get(j) == Some(&'*') => {
                    j += 1;
                    if chars.get(j) == Some(&'/') {
                        j += 1;
                    }
                    if j == chars.len() {
                        if detected == Detected::Exact {
                            detected = Detected::Prefix;
                        } else {
                            re.push_str(".*");
                            detected = Detected::Regex;
                        }
                    } else {
                        re.push_str("(.*/)?");
                        detected = Detected::Regex;
                    }
                    if iteration == 0 {
                        detected = Detected::Suffix;
                    }
                }
                '*' => {
                    re.push_str("[^/]*");
                    detected = Detected::Regex;
                }
                '?' => {
                    re.push_str("[^/]");
                    detected = Detected::Regex;
                }
                // patternmatcher means to escape `.+()|{}$`, but its bitmap has room for
                // characters below 64 only: `|`, `{` and `}` reach the regexp unescaped.
                '.' | '+' | '(' | ')' | '$' => {
                    re.push('\\');
                    re.push(ch);
                }
                '\\' => match chars.get(j) {
                    Some(&next) => {
                        re.push('\\');
                        re.push(next);
                        j += 1;
                        detected = Detected::Regex;
                    }
                    None => re.push('\\'),
                },
                '[' | ']' => {
                    re.push(ch);
                    detected = Detected::Regex;
                }
                _ => re.push(ch),
            }
            iteration += 1;
        }
        let kind = match detected {
            Detected::Exact => PatternKind::Exact(pattern.to_owned()),
            Detected::Prefix => {
                PatternKind::Prefix(pattern.strip_suffix("**").unwrap_or(pattern).to_owned())
            }
            Detected::Suffix => {
                PatternKind::Suffix(pattern.get(2..).unwrap_or_default().to_owned())
            }
            Detected::Regex => {
                re.push('$');
                let error = || format!("syntax error in pattern {pattern:?}");
                let rust = go_regex_to_rust(&re).ok_or_else(error)?;
                let compiled = regex::RegexBuilder::new(&rust)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|_| error())?;
                PatternKind::Regex(compiled)
            }
        };
        Ok(PathPattern { kind })
    }

    /// Whether the cleaned, relative `path` matches the pattern itself (parents not tried).
    pub fn matches(&self, path: &str) -> bool {
        match &self.kind {
            PatternKind::Exact(p) => path == p,
            PatternKind::Prefix(p) => path.starts_with(p.as_str()),
            PatternKind::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            PatternKind::Regex(re) => re.is_match(path),
        }
    }
}

/// Whether Go's `filepath.Match` accepts the pattern, which patternmatcher checks first: a `\`
/// must escape something, and a class must close, hold at least one character, and write a
/// leading `-` or `]` escaped.
fn go_match_syntax_ok(chars: &[char]) -> bool {
    /// One class character (escaped or not) at `i`: the index after it.
    fn class_char(chars: &[char], mut i: usize) -> Option<usize> {
        match chars.get(i)? {
            '-' | ']' => return None,
            '\\' => i += 1,
            _ => {}
        }
        chars.get(i)?;
        i += 1;
        // The class must go on to its `]`.
        chars.get(i)?;
        Some(i)
    }
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return false;
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    if chars.get(i) == Some(&']') && ranges > 0 {
                        i += 1;
                        break;
                    }
                    let Some(next) = class_char(chars, i) else {
                        return false;
                    };
                    i = next;
                    if chars.get(i) == Some(&'-') {
                        let Some(next) = class_char(chars, i + 1) else {
                            return false;
                        };
                        i = next;
                    }
                    ranges += 1;
                }
            }
            _ => i += 1,
        }
    }
    true
}

/// Rewrites a Go regular expression of the shape patternmatcher writes into Rust's regex
/// syntax. The two agree outside character classes; inside one, Go takes `[`, `&&`, `--` and
/// `~~` literally where Rust reads nesting and set operations, so those are escaped. `None`
/// for a class that never closes or a trailing `\`, which Go rejects too.
fn go_regex_to_rust(go: &str) -> Option<String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    // Go refuses a repetition right after another (`*{2}`) or after `|` (`|{2}`), which Rust
    // accepts.
    let mut after_repeat = false;
    let mut after_alternation = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let (was_repeat, was_alternation) = (after_repeat, after_alternation);
        after_repeat = matches!(c, '*' | '?');
        after_alternation = c == '|';
        match c {
            '\\' => {
                let next = *chars.get(i)?;
                i += 1;
                push_escape(&mut out, next);
            }
            '[' => {
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first in the class is a literal in both.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                loop {
                    let c = *chars.get(i)?;
                    i += 1;
                    match c {
                        ']' => {
                            out.push(']');
                            break;
                        }
                        '\\' => {
                            let next = *chars.get(i)?;
                            i += 1;
                            push_escape(&mut out, next);
                        }
                        '[' if chars.get(i) == Some(&':') => {
                            // A POSIX class, `[:alpha:]`, means the same in both.
                            let rest: String = chars[i..].iter().collect();
                            match rest.find(":]") {
                                Some(end) if end >= 1 => {
                                    out.push('[');
                                    out.push_str(&rest[..end + 2]);
                                    i += rest[..end + 2].chars().count();
                                }
                                _ => out.push_str("\\["),
                            }
                        }
                        '[' | '&' | '~' => {
                            out.push('\\');
                            out.push(c);
                        }
                        '-' if out.ends_with('-') => out.push_str("\\-"),
                        _ => out.push(c),
                    }
                }
            }
            // Go reads `{` as a literal unless a repetition `{n}`, `{n,}` or `{n,m}` follows;
            // Rust rejects a stray one.
            '{' => match go_repetition(&chars[i..]) {
                Some(len) => {
                    let counts: String = chars[i..i + len - 1].iter().collect();
                    let mut bounds = counts.split(',').map(|n| n.parse::<u32>().ok());
                    let min = bounds.next().flatten()?;
                    let max = bounds.next().map_or(Some(min), |m| m.or(Some(min)));
                    if was_repeat || was_alternation || min > 1000 || max? > 1000 || max? < min {
                        return None;
                    }
                    after_repeat = true;
                    out.push('{');
                    out.extend(&chars[i..i + len]);
                    i += len;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            _ => out.push(c),
        }
    }
    Some(out)
}

/// After a `{`: the length of the rest of a Go repetition (`2}`, `2,}`, `2,5}`), `None` when
/// the `{` is a literal.
fn go_repetition(rest: &[char]) -> Option<usize> {
    let digits = |from: usize| {
        rest[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let min = digits(0);
    if min == 0 {
        return None;
    }
    let mut len = min;
    if rest.get(len) == Some(&',') {
        len += 1 + digits(len + 1);
    }
    (rest.get(len) == Some(&'}')).then_some(len + 1)
}

/// An escaped character: punctuation escaped so that Rust reads the literal Go reads; letters
/// keep their meaning (`\d`), as in Go.
fn push_escape(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push_str(&regex::escape(&c.to_string()));
    } else {
        out.push('\\');
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> IgnoreFile {
        IgnoreFile::parse(".dockerignore", text)
    }

    fn pattern_matches(pattern: &str, path: &str) -> bool {
        PathPattern::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn cleans_like_go() {
        for (input, want) in [
            ("", "."),
            (".", "."),
            ("a//b/./c/", "a/b/c"),
            ("/a/../b", "/b"),
            ("/..", "/"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("./a/", "a"),
            ("a/b/../../c", "c"),
        ] {
            assert_eq!(go_clean(input), want, "{input:?}");
        }
        assert_eq!(clean_relative("/app/./x/"), "app/x");
        assert_eq!(clean_relative("/"), ".");
        assert_eq!(clean_relative("./"), ".");
    }

    #[test]
    fn reads_lines_like_buildkit() {
        let f =
            ignore("\u{feff}# comment\n  # not a comment\n/test2\n\n! /inv/abs \r\nfoo/\n!\n!/\n");
        let got: Vec<(usize, &str, bool)> = f
            .patterns
            .iter()
            .map(|p| (p.line, p.pattern.as_str(), p.exception))
            .collect();
        assert_eq!(
            got,
            [
                (2, "# not a comment", false),
                (3, "test2", false),
                (5, "inv/abs", true),
                (6, "foo", false),
            ]
        );
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[0].line, 7);
        assert_eq!(f.errors[1].line, 8);
    }

    #[test]
    fn single_star_stays_in_one_directory() {
        assert!(pattern_matches("*.env", "a.env"));
        assert!(!pattern_matches("*.env", "dir/a.env"));
        assert!(pattern_matches("*/*.env", "dir/a.env"));
        assert!(pattern_matches("te?t", "test"));
        assert!(!pattern_matches("te?t", "te/t"));
        assert!(pattern_matches("*", ".env"));
    }

    #[test]
    fn double_star() {
        assert!(pattern_matches("**/.env", ".env"));
        assert!(pattern_matches("**/.env", "a/b/.env"));
        assert!(!pattern_matches("**/.env", "a/b.env"));
        assert!(pattern_matches("**", "anything/at/all"));
        assert!(pattern_matches("dir/**", "dir/a/b"));
        assert!(pattern_matches("a/**/b", "a/b"));
        assert!(pattern_matches("a/**/b", "a/x/y/b"));
        // `**` followed by plain characters: a suffix match, as patternmatcher does it.
        assert!(pattern_matches("**.key", "x/server.key"));
        assert!(pattern_matches("**foo", "barfoo"));
        // Not at the start: `(.*/)?`, so `a/**.key` names only `.key` files.
        assert!(pattern_matches("a/**.key", "a/b/.key"));
        assert!(!pattern_matches("a/**.key", "a/server.key"));
        assert!(pattern_matches("*/**", "a/b/c"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(pattern_matches("id_[rd]sa", "id_rsa"));
        assert!(!pattern_matches("id_[rd]sa", "id_esa"));
        assert!(pattern_matches("[^a]b", "xb"));
        assert!(!pattern_matches("[^a]b", "ab"));
        // `!` is not a negation in Go's classes.
        assert!(pattern_matches("[!a]b", "ab"));
        assert!(pattern_matches("[[:digit:]]x", "1x"));
        assert!(pattern_matches("a[&~]b", "a&b"));
        assert!(pattern_matches("\\*x", "*x"));
        assert!(!pattern_matches("\\*x", "ax"));
        assert!(pattern_matches("a.b", "a.b"));
        assert!(!pattern_matches("a.b", "axb"));
        // Plain characters only: compared as they are.
        assert!(pattern_matches("(x)+{y}|$", "(x)+{y}|$"));
        // With a wildcard, BuildKit's regexp sees `|` and `{n}` unescaped.
        assert!(pattern_matches("[a-c]/|", "b/anything"));
        assert!(pattern_matches("*|", "a/b"));
        assert!(pattern_matches("a{2}*", "aa.txt"));
        assert!(!pattern_matches("a{2}*", "a{2}.txt"));
        assert!(pattern_matches("a{*", "a{b"));
        assert!(pattern_matches("a}*", "a}b"));
        assert!(pattern_matches("a{2,}*", "aaa"));
        // Go's regexp refuses stacked repetitions and counts above 1000.
        for bad in [
            "*{2}", "**/{2}x*", "a{2}{3}*", "a{1001}*", "a{3,2}*", "*|{2}",
        ] {
            assert!(PathPattern::new(bad).is_err(), "{bad}");
        }
        assert!(PathPattern::new("[abc").is_err());
        assert!(PathPattern::new("abc\\").is_err());
        assert!(PathPattern::new("[]").is_err());
        // Go's filepath.Match wants a leading `]` or `-` in a class escaped.
        assert!(PathPattern::new("[]a]").is_err());
        assert!(PathPattern::new("[-a]").is_err());
        assert!(PathPattern::new("[\\-a]").is_ok());
        assert!(ignore("a\\\n").errors.len() == 1);
    }

    #[test]
    fn directories_exclude_their_contents() {
        let f = ignore("node_modules\n.git/\nlogs/*.log\n");
        assert!(f.excludes("node_modules"));
        assert!(f.excludes("node_modules/a/b.js"));
        assert!(f.excludes(".git/HEAD"));
        assert!(f.excludes("logs/a.log"));
        assert!(!f.excludes("logs/a.txt"));
        // Anchored at the root.
        assert!(!f.excludes("web/node_modules/x"));
        assert!(ignore("**/node_modules").excludes("web/node_modules/x"));
    }

    #[test]
    fn last_match_wins() {
        let f = ignore("*\n!src\n!package.json\nsrc/secret.txt\n");
        assert!(f.excludes(".env"));
        assert!(!f.excludes("src/main.rs"));
        assert!(!f.excludes("package.json"));
        assert!(f.excludes("src/secret.txt"));
        assert_eq!(
            f.deciding_pattern("src/secret.txt").map(|p| p.line),
            Some(4)
        );
        assert_eq!(f.deciding_pattern("src/a").map(|p| p.line), Some(2));
        let f = ignore("node_modules\n!node_modules/keep\n");
        assert!(!f.excludes("node_modules/keep/index.js"));
        assert!(f.excludes("node_modules/other/index.js"));
        assert!(f.has_exceptions());
        // An exception before the exclusion it would undo does nothing.
        assert!(ignore("!a.txt\n*.txt\n").excludes("a.txt"));
    }

    #[test]
    fn covered_and_sent() {
        let cx = BuildContext::from_paths([
            "Dockerfile",
            ".env",
            "config/app.yaml",
            "config/credentials.json",
            "src/main.py",
            ".git/HEAD",
            "web/node_modules/x/index.js",
        ])
        .with_ignore(ignore("config/credentials.json\n"));
        assert_eq!(&*cx.unlisted_dirs, [".git", "web/node_modules"]);
        assert_eq!(cx.covered_by("./config/").len(), 2);
        assert_eq!(cx.sent_by("config"), ["config/app.yaml"]);
        assert_eq!(cx.covered_by("."), cx.covered_by("/"));
        assert_eq!(cx.covered_by(".").len(), 7);
        assert_eq!(cx.covered_by("*.py"), Vec::<&str>::new());
        assert_eq!(cx.covered_by("src/*.py"), ["src/main.py"]);
        assert_eq!(
            cx.covered_by("conf*"),
            ["config/app.yaml", "config/credentials.json"]
        );
        assert_eq!(cx.covered_by("src/main.py"), ["src/main.py"]);
        assert!(cx.covered_by("sr").is_empty());
        let cx2 = BuildContext::from_paths(["a", "a-b", "a.c", "a/x", "a/y/z", "ab"]);
        assert_eq!(cx2.covered_by("a"), ["a", "a/x", "a/y/z"]);
        assert_eq!(cx2.covered_by("a/y"), ["a/y/z"]);
        assert!(cx.is_excluded("config/credentials.json"));
        assert!(cx.may_exist("config"));
        assert!(cx.may_exist("web/node_modules/y/z.js"));
        assert!(!cx.may_exist("conf"));
        // `COPY --exclude`.
        assert_eq!(
            cx.copied_by(".", &["*.py".into(), "**/*.py".into()]).len(),
            5
        );
        assert_eq!(cx.copied_by("src", &["*.py".into()]), Vec::<&str>::new());
        assert_eq!(cx.copied_by(".", &["config".into()]).len(), 5);
        assert!(!BuildContext::default().is_excluded("x"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[!#*?\\[\\]\\\\/ a.:^&~-]{0,24}", path in "[a-c/.*]{0,8}") {
            let f = ignore(&text);
            let _ = f.excludes(&path);
            let cx = BuildContext::from_paths([path.as_str(), "a/b"]).with_ignore(f);
            let _ = cx.sent_by(&text);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "!",
            "! ",
            "[",
            "\\",
            "**",
            "**/",
            "/",
            "//",
            "*[",
            "[]]",
            "[^]",
            "a[b-a]",
            "é[",
            "\u{0}",
            "!!",
            "[[:nope:]]",
            "\\é",
            "***",
            "a**b**",
            "[a--b]",
            "[\\]]",
        ] {
            let f = ignore(text);
            for path in ["", ".", "a", "a/b", "/", "..", "é"] {
                let _ = f.excludes(path);
            }
        }
    }
}
