//! Running the `shellcheck` binary on the `RUN` scripts of a whole run, the I/O edge of
//! `seaworthy_rules::shellcheck` (which decides what to check and maps the results back).
//!
//! ShellCheck spends its time analysing scripts (a few milliseconds per command; starting the
//! process costs about 10 ms), so a run checks each distinct script once, however many files
//! share it, and hands ShellCheck many scripts per process, in batches spread over the rayon
//! thread pool. ShellCheck's comments on a script are kept in a cache directory (see
//! [`ShellCheck::with_cache`]), keyed by the script's text and the binary, so that a second
//! run over unchanged scripts starts no ShellCheck at all. Usage, after every file is parsed
//! and modelled:
//!
//! ```ignore
//! let scripts: Vec<Vec<ShellScript>> = /* seaworthy_rules::shellcheck::scripts(&df, &model) per file */;
//! if let Some(sc) = ShellCheck::locate() {
//!     let per_file: Vec<&[ShellScript]> = scripts.iter().map(Vec::as_slice).collect();
//!     let findings = sc.check(&per_file)?; // findings[i] belongs to file i
//! }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;
use seaworthy_rules::shellcheck::{Comment, ShellScript, EXCLUDED};
use seaworthy_rules::Finding;

/// At most this many scripts per `shellcheck` process: enough that process start-up is noise,
/// few enough that the batches of a large run keep every thread busy.
const MAX_BATCH: usize = 200;

/// A `shellcheck` binary.
#[derive(Debug, Clone)]
pub struct ShellCheck {
    program: PathBuf,
    /// Where comments on scripts already checked are kept, under a key that also names this
    /// binary (its path, size and modification time), so that a new ShellCheck starts afresh.
    cache: Option<(PathBuf, String)>,
}

/// The default cache directory: `$SEAWORTHY_CACHE_DIR`, else `$XDG_CACHE_HOME/seaworthy`,
/// else `~/.cache/seaworthy`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("SEAWORTHY_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("seaworthy")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("seaworthy")))
}

impl ShellCheck {
    /// The binary `SEAWORTHY_SHELLCHECK` names, else `shellcheck` on `PATH`; `None` when there
    /// is none, which is not an error: ShellCheck's checks are then skipped.
    pub fn locate() -> Option<ShellCheck> {
        if let Some(p) = std::env::var_os("SEAWORTHY_SHELLCHECK").filter(|p| !p.is_empty()) {
            return Some(ShellCheck {
                program: PathBuf::from(p),
                cache: None,
            });
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("shellcheck"))
            .find(|p| is_executable(p))
            .map(|program| ShellCheck {
                program,
                cache: None,
            })
    }

    /// Keeps ShellCheck's comments under `dir` (created when missing) and reuses them for
    /// scripts seen before. A cache that cannot be read or written is only a slower run.
    pub fn with_cache(mut self, dir: &Path) -> ShellCheck {
        let identity = std::fs::metadata(&self.program).ok().map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}\0{}\0{modified}", self.program.display(), m.len())
        });
        if let Some(identity) = identity {
            self.cache = Some((dir.join("shellcheck-v1"), identity));
        }
        self
    }

    /// The cache file of `script`, when there is a cache.
    fn cache_path(&self, script: &str) -> Option<PathBuf> {
        use sha2::{Digest, Sha256};
        let (dir, identity) = self.cache.as_ref()?;
        let mut hash = Sha256::new();
        hash.update(identity.as_bytes());
        hash.update([0]);
        for code in EXCLUDED {
            hash.update(code.to_le_bytes());
        }
        hash.update(script.as_bytes());
        let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(&hex[..2]).join(&hex[2..]))
    }

    fn cached(&self, script: &str) -> Option<Vec<Comment>> {
        let bytes = std::fs::read(self.cache_path(script)?).ok()?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        json.as_array()?.iter().map(|c| comment(c).ok()).collect()
    }

    fn remember(&self, script: &str, comments: &[Comment]) {
        let Some(path) = self.cache_path(script) else {
            return;
        };
        let json: Vec<serde_json::Value> = comments
            .iter()
            .map(|c| {
                serde_json::json!({
                    "line": c.line, "column": c.column,
                    "endLine": c.end_line, "endColumn": c.end_column,
                    "level": c.level, "code": c.code, "message": c.message,
                })
            })
            .collect();
        let Some(dir) = path.parent() else { return };
        // Written under a temporary name and renamed, so that a concurrent run never reads
        // half an entry.
        let _ = std::fs::create_dir_all(dir).and_then(|()| {
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            std::io::Write::write_all(&mut tmp, &serde_json::to_vec(&json)?)?;
            tmp.persist(&path).map(drop).map_err(|e| e.error)
        });
    }

    /// ShellCheck's findings for the scripts of several files at once: `files[i]` are the
    /// scripts of file `i` (from `seaworthy_rules::shellcheck::scripts`) and the result's `[i]`
    /// its findings, in source order. Identical scripts are checked once. An error means
    /// ShellCheck could not be run or answered something unreadable.
    pub fn check(&self, files: &[&[ShellScript]]) -> Result<Vec<Vec<Finding>>, String> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut distinct: Vec<&str> = Vec::new();
        let ids: Vec<Vec<usize>> = files
            .iter()
            .map(|scripts| {
                scripts
                    .iter()
                    .map(|s| {
                        *index.entry(s.text.as_str()).or_insert_with(|| {
                            distinct.push(s.text.as_str());
                            distinct.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let comments = self.run(&distinct)?;
        Ok(files
            .iter()
            .zip(&ids)
            .map(|(scripts, ids)| {
                let mut findings: Vec<Finding> = scripts
                    .iter()
                    .zip(ids)
                    .flat_map(|(s, &id)| s.findings(&comments[id]))
                    .collect();
                findings.sort_by_key(|f| (f.span.start, f.span.end));
                findings
            })
            .collect())
    }

    /// ShellCheck's comments on each script of `scripts`: from the cache, or from running it.
    fn run(&self, scripts: &[&str]) -> Result<Vec<Vec<Comment>>, String> {
        let mut comments = vec![Vec::new(); scripts.len()];
        let cached: Vec<Option<Vec<Comment>>> =
            scripts.par_iter().map(|s| self.cached(s)).collect();
        let mut missing = Vec::new();
        for (id, found) in cached.into_iter().enumerate() {
            match found {
                Some(found) => comments[id] = found,
                None => missing.push(id),
            }
        }
        if missing.is_empty() {
            return Ok(comments);
        }
        let fresh = self.run_uncached(&missing, scripts)?;
        for (&id, found) in missing.iter().zip(fresh) {
            comments[id] = found;
        }
        if self.cache.is_some() {
            missing
                .par_iter()
                .for_each(|&id| self.remember(scripts[id], &comments[id]));
        }
        Ok(comments)
    }

    /// Runs ShellCheck on the scripts `ids` of `scripts`; the result's `[i]` is for `ids[i]`.
    fn run_uncached(&self, ids: &[usize], scripts: &[&str]) -> Result<Vec<Vec<Comment>>, String> {
        let mut comments = vec![Vec::new(); ids.len()];
        let dir = tempfile::Builder::new()
            .prefix("seaworthy-shellcheck")
            .tempdir()
            .map_err(|e| format!("shellcheck: cannot create a temporary directory: {e}"))?;
        let threads = rayon::current_num_threads().max(1);
        // Several batches per thread, so that one long script does not hold up the run.
        let size = ids.len().div_ceil(threads * 4).clamp(1, MAX_BATCH);
        let positions: Vec<usize> = (0..ids.len()).collect();
        let results: Vec<Result<Vec<(usize, Comment)>, String>> = positions
            .par_chunks(size)
            .map(|batch| {
                let batch: Vec<usize> = batch.iter().map(|&i| ids[i]).collect();
                self.run_batch(dir.path(), scripts, &batch)
            })
            .collect();
        let position: HashMap<usize, usize> =
            ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        for result in results {
            for (id, comment) in result? {
                comments[position[&id]].push(comment);
            }
        }
        Ok(comments)
    }

    /// Writes the scripts of `batch` to `dir` and runs one `shellcheck` on all of them.
    fn run_batch(
        &self,
        dir: &Path,
        scripts: &[&str],
        batch: &[usize],
    ) -> Result<Vec<(usize, Comment)>, String> {
        let mut names = Vec::with_capacity(batch.len());
        for &id in batch {
            let name = format!("{id}.sh");
            std::fs::write(dir.join(&name), scripts[id])
                .map_err(|e| format!("shellcheck: cannot write a script to check: {e}"))?;
            names.push(name);
        }
        let excluded: Vec<String> = EXCLUDED.iter().map(|c| format!("SC{c}")).collect();
        let output = Command::new(&self.program)
            .current_dir(dir)
            // The user's ShellCheck defaults must not change what seaworthy reports.
            .env_remove("SHELLCHECK_OPTS")
            // Options the binary was not linked to accept would make it refuse to start.
            .env_remove("GHCRTS")
            .args(["--norc", "--format=json1", "--severity=style"])
            .arg(format!("--exclude={}", excluded.join(",")))
            .arg("--")
            .args(&names)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        // 0: clean, 1: comments; anything else is a failure to check.
        if !matches!(output.status.code(), Some(0 | 1)) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "{} failed ({}): {}",
                self.program.display(),
                output.status,
                stderr.trim()
            ));
        }
        parse_json1(&output.stdout)
    }
}

/// `shellcheck -f json1` output as (script id, comment), the id being the `ID.sh` file name.
fn parse_json1(stdout: &[u8]) -> Result<Vec<(usize, Comment)>, String> {
    let bad = |what: &str| format!("shellcheck: unexpected JSON output ({what})");
    let json: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|e| bad(&e.to_string()))?;
    let list = json
        .get("comments")
        .and_then(|c| c.as_array())
        .ok_or_else(|| bad("no comments array"))?;
    list.iter()
        .map(|c| {
            let id = c
                .get("file")
                .and_then(serde_json::Value::as_str)
                .and_then(|f| f.strip_suffix(".sh"))
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| bad("file"))?;
            Ok((id, comment(c)?))
        })
        .collect()
}

/// One comment object of `shellcheck -f json1` (the same shape is kept in the cache).
fn comment(c: &serde_json::Value) -> Result<Comment, String> {
    let bad = |what: &str| format!("shellcheck: unexpected JSON output ({what})");
    let number = |key: &str| {
        c.get(key)
            .and_then(serde_json::Value::as_u64)
            .map(|n| n as usize)
            .ok_or_else(|| bad(key))
    };
    let text = |key: &str| {
        c.get(key)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(key))
    };
    Ok(Comment {
        line: number("line")?,
        column: number("column")?,
        end_line: number("endLine")?,
        end_column: number("endColumn")?,
        level: text("level")?.to_owned(),
        code: number("code")? as u32,
        message: text("message")?.to_owned(),
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

#[cfg(test)]
mod tests {
    //! These run the real `shellcheck` (CI installs Debian's `shellcheck` package).

    use super::*;
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    fn shellcheck() -> ShellCheck {
        ShellCheck::locate().expect(
            "shellcheck is not installed: these tests run the real binary; install it \
             (Debian/Ubuntu: apt-get install shellcheck) or set SEAWORTHY_SHELLCHECK",
        )
    }

    fn scripts_of(src: &str) -> (Dockerfile, Vec<ShellScript>) {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let scripts = {
            let model = Model::build(&file, &BuildOptions::default());
            assert!(model.errors.is_empty(), "{:?}", model.errors);
            seaworthy_rules::shellcheck::scripts(&file, &model)
        };
        (file, scripts)
    }

    /// ShellCheck's findings on `src` as `SCxxxx line:col`.
    fn check(src: &str) -> Vec<String> {
        let (file, scripts) = scripts_of(src);
        let findings = shellcheck().check(&[scripts.as_slice()]).unwrap();
        assert_eq!(findings.len(), 1);
        findings[0]
            .iter()
            .map(|f| {
                let p = file.position(f.span.start);
                format!("{} {}:{}", f.rule.id, p.line, p.column)
            })
            .collect()
    }

    #[test]
    fn one_line_run() {
        assert_eq!(
            check("FROM debian:12\nRUN echo $foo\n"),
            ["SC2154 2:10", "SC2086 2:10"]
        );
    }

    #[test]
    fn continuation_lines() {
        let src = "FROM debian:12\n\
                   RUN apt-get update && \\\n\
                   \x20   apt-get install -y curl && \\\n\
                   \x20   cd /tmp && \\\n\
                   \x20   echo $HOME/$dir\n";
        assert_eq!(check(src), ["SC2086 5:10", "SC2154 5:16", "SC2086 5:16"]);
    }

    #[test]
    fn heredoc() {
        let src = "FROM debian:12\n\
                   RUN <<EOF\n\
                   set -e\n\
                   for f in $(ls /etc); do\n\
                   \x20 echo \"$f\"\n\
                   done\n\
                   EOF\n";
        assert_eq!(check(src), ["SC2045 4:10"]);
    }

    #[test]
    fn arg_and_env_names_are_assigned() {
        let src = "FROM debian:12\n\
                   ARG version\n\
                   ENV app_home=/srv/app\n\
                   RUN echo \"$version\" \"$app_home\" \"$http_proxy\" \"$missing\"\n";
        assert_eq!(check(src), ["SC2154 4:48"]);
    }

    #[test]
    fn shell_instruction_sets_the_dialect() {
        let sh = "FROM debian:12\nRUN [[ -n \"$HOME\" ]] && echo ok\n";
        assert_eq!(check(sh), ["SC3010 2:5"]);
        let bash = "FROM debian:12\n\
                    SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                    RUN [[ -n \"$HOME\" ]] && echo ok\n";
        assert!(check(bash).is_empty());
    }

    #[test]
    fn pipefail_on_busybox_sh_is_fine() {
        let alpine = "FROM alpine:3.20\nRUN set -o pipefail && wget -qO- x | tar x\n";
        assert!(check(alpine).is_empty(), "{:?}", check(alpine));
        let debian = "FROM debian:12\nRUN set -o pipefail && wget -qO- x | tar x\n";
        assert_eq!(check(debian), ["SC3040 2:12"]);
    }

    #[test]
    fn what_is_not_a_posix_shell_script_is_not_checked() {
        let src = "FROM debian:12\n\
                   RUN [\"sh\", \"-c\", \"echo $foo\"]\n\
                   RUN <<EOF\n\
                   #!/usr/bin/env python3\n\
                   print('$foo' if [[ 1 ]] else 2)\n\
                   EOF\n\
                   SHELL [\"pwsh\", \"-Command\"]\n\
                   ARG foo\n\
                   RUN Write-Host $foo; if ($foo) { ls }\n";
        let (_, scripts) = scripts_of(src);
        assert!(scripts.is_empty(), "{scripts:?}");
        assert!(check(src).is_empty());
    }

    #[test]
    fn heredoc_with_its_own_bash_shebang() {
        let src = "FROM debian:12\n\
                   RUN <<EOF\n\
                   #!/bin/bash\n\
                   [[ $HOME == /root ]] && echo $foo\n\
                   EOF\n";
        // bash syntax, checked as bash although the SHELL in effect is /bin/sh.
        assert_eq!(check(src), ["SC2154 4:30", "SC2086 4:30"]);
    }

    #[test]
    fn identical_scripts_across_files_are_checked_once_and_reported_for_each() {
        let a = scripts_of("FROM debian:12\nRUN echo $foo\nRUN true\n");
        let b = scripts_of("FROM debian:12\n\nRUN echo $foo\n");
        let none = scripts_of("FROM debian:12\n");
        let findings = shellcheck()
            .check(&[a.1.as_slice(), &b.1, &none.1, &a.1])
            .unwrap();
        let lines = |i: usize, file: &Dockerfile| -> Vec<(usize, &str)> {
            findings[i]
                .iter()
                .map(|f| (file.position(f.span.start).line, f.rule.id))
                .collect()
        };
        assert_eq!(lines(0, &a.0), [(2, "SC2154"), (2, "SC2086")]);
        assert_eq!(lines(1, &b.0), [(3, "SC2154"), (3, "SC2086")]);
        assert!(findings[2].is_empty());
        assert_eq!(lines(3, &a.0), lines(0, &a.0));
    }

    #[test]
    fn many_scripts_in_batches() {
        let src: String = std::iter::once("FROM debian:12\n".to_owned())
            .chain((0..500).map(|i| format!("RUN echo $v{i}\n")))
            .collect();
        let (file, scripts) = scripts_of(&src);
        let findings = shellcheck().check(&[scripts.as_slice()]).unwrap();
        let sc2086: Vec<usize> = findings[0]
            .iter()
            .filter(|f| f.rule.id == "SC2086")
            .map(|f| file.position(f.span.start).line)
            .collect();
        assert_eq!(sc2086, (2..502).collect::<Vec<_>>());
    }

    #[test]
    fn a_second_run_reads_the_cache_and_starts_no_shellcheck() {
        let cache = tempfile::tempdir().unwrap();
        let (_, scripts) = scripts_of("FROM debian:12.7\nRUN echo $foo\n");
        let first = shellcheck()
            .with_cache(cache.path())
            .check(&[&scripts])
            .unwrap();
        let codes = |found: &[Vec<Finding>]| -> Vec<&str> {
            let mut codes: Vec<&str> = found[0].iter().map(|f| f.rule.id).collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(codes(&first), ["SC2086", "SC2154"]);
        // A "binary" that cannot run: only the cache can answer now.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("shellcheck");
        std::fs::write(&fake, "#!/bin/sh\nexit 3\n").unwrap();
        let mut broken = ShellCheck {
            program: fake,
            cache: None,
        };
        assert!(broken.check(&[&scripts]).is_err());
        // The cache key names the binary, so give the broken one the real one's identity.
        broken.cache = shellcheck().with_cache(cache.path()).cache;
        let second = broken.check(&[&scripts]).unwrap();
        assert_eq!(codes(&second), codes(&first));
        assert_eq!(
            second[0].iter().map(|f| f.span).collect::<Vec<_>>(),
            first[0].iter().map(|f| f.span).collect::<Vec<_>>()
        );
        // A new script is not in the cache: the broken binary is asked, and fails.
        let (_, other) = scripts_of("FROM debian:12.7\nRUN echo $bar\n");
        assert!(broken.check(&[&other]).is_err());
    }

    #[test]
    fn a_broken_binary_is_an_error() {
        let sc = ShellCheck {
            program: PathBuf::from("/nonexistent/shellcheck"),
            cache: None,
        };
        let (_, scripts) = scripts_of("FROM debian:12\nRUN echo\n");
        let err = sc.check(&[scripts.as_slice()]).unwrap_err();
        assert!(err.contains("/nonexistent/shellcheck"), "{err}");
        // Nothing to check: nothing is run.
        let nothing = sc.check(&[&[], &[]]).unwrap();
        assert!(nothing.len() == 2 && nothing.iter().all(Vec::is_empty));
    }
}
