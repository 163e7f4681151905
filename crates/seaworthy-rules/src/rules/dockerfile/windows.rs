//! Windows stages and the scripts Windows shells run, for the rules that must treat them apart.

use seaworthy_dockerfile::shell::Dialect;
use seaworthy_dockerfile::{BaseImage, Model, Stage};

/// The stage builds a Windows image: its root image is a Windows one
/// (`mcr.microsoft.com/windows/servercore`, a `nanoserver` or `windowsservercore` tag), its
/// root `FROM` has a `--platform=windows/…`, or the build targets Windows. Its RUNs are run by
/// cmd or PowerShell even when no `SHELL` says so, and its users have names only.
pub fn is_windows(model: &Model<'_>, stage: &Stage<'_>) -> bool {
    let mut root = stage;
    while let BaseImage::Stage(i) = root.base {
        root = &model.stages[i];
    }
    let windows_image = match &root.base {
        BaseImage::Image(image) => {
            let name = image.normalized.to_ascii_lowercase();
            ["windows", "nanoserver", "servercore"]
                .iter()
                .any(|w| name.contains(w))
        }
        _ => false,
    };
    windows_image
        || root
            .platform
            .as_deref()
            .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"))
        || model.options.platform.os == "windows"
}

/// How many commands (statements, pipeline stages) a PowerShell or cmd script runs, counted
/// on its text, outside quotes and (for PowerShell) brackets; `None` for other dialects, which
/// the shell parser analyses.
pub fn command_count(text: &str, dialect: Dialect) -> Option<usize> {
    match dialect {
        Dialect::PowerShell => Some(powershell_commands(text)),
        Dialect::Cmd => Some(cmd_commands(text)),
        _ => None,
    }
}

/// Statements and pipeline stages of a PowerShell script: split at `;`, newlines, `|`, `&&`
/// and `||` outside strings, comments and `()`/`{}`/`[]`; a backtick escapes the next
/// character (a backtick before a newline continues the line).
fn powershell_commands(text: &str) -> usize {
    let mut count = 0;
    let mut content = false; // the current segment holds something
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let mut end_segment = |content: &mut bool| {
        if std::mem::take(content) {
            count += 1;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                chars.next();
            }
            '\'' => {
                content = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                content = true;
                while let Some(d) = chars.next() {
                    match d {
                        '`' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '<' if chars.peek() == Some(&'#') => {
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '#' && d == '>' {
                        break;
                    }
                    prev = d;
                }
            }
            '#' => {
                while chars.peek().is_some_and(|&d| d != '\n') {
                    chars.next();
                }
            }
            '(' | '{' | '[' => {
                content = true;
                depth += 1;
            }
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            ';' | '\n' | '|' if depth == 0 => {
                if c == '|' && chars.peek() == Some(&'|') {
                    chars.next();
                }
                end_segment(&mut content);
            }
            '&' if depth == 0 && chars.peek() == Some(&'&') => {
                chars.next();
                end_segment(&mut content);
            }
            c if !c.is_whitespace() => content = true,
            _ => {}
        }
    }
    end_segment(&mut content);
    count
}

/// Commands of a cmd line: split at `&`, `&&`, `||`, `|` and newlines outside double quotes;
/// `^` escapes the next character.
fn cmd_commands(text: &str) -> usize {
    let mut count = 0;
    let mut content = false;
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                content = true;
            }
            '^' if !quoted => {
                chars.next();
                content = true;
            }
            '&' | '|' | '\n' if !quoted => count += usize::from(std::mem::take(&mut content)),
            '(' | ')' => {}
            c if !c.is_whitespace() => content = true,
            _ => {}
        }
    }
    count + usize::from(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model};

    fn windows(src: &str) -> Vec<bool> {
        let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
        let model = Model::build(&file, &BuildOptions::default());
        model.stages.iter().map(|s| is_windows(&model, s)).collect()
    }

    #[test]
    fn windows_stages() {
        assert_eq!(
            windows(
                "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS a\nFROM a\n\
                 FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n\
                 FROM mcr.microsoft.com/dotnet/aspnet:8.0-windowsservercore-ltsc2022\n\
                 FROM --platform=windows/amd64 example.com/tools:1.0\n\
                 FROM debian:12.7\nFROM --platform=linux/amd64 example.com/tools:1.0\n"
            ),
            [true, true, true, true, true, false, false]
        );
    }

    #[test]
    fn powershell() {
        let n = |s: &str| command_count(s, Dialect::PowerShell).unwrap();
        assert_eq!(n("Install-Module X"), 1);
        assert_eq!(
            n("setx /M PATH $($Env:PATH + ';' + $Env:ProgramFiles + '\\dotnet')"),
            1
        );
        assert_eq!(n("Write-Host 'a; b'; Remove-Item x;"), 2);
        assert_eq!(n("Get-ChildItem | Select-Object Name"), 2);
        assert_eq!(n("a && b || c"), 3);
        assert_eq!(
            n("if ((Get-FileHash f).Hash -ne $h) { Write-Host 'x'; exit 1 }"),
            1
        );
        assert_eq!(n("a `\n  -Flag x\n\n# a comment; here\nb <# c; d #>"), 2);
        assert_eq!(n("Write-Host \"say `\"hi`\"; now\""), 1);
        assert_eq!(n("& $Env:ProgramFiles\\dotnet\\dotnet help"), 1);
        assert_eq!(n("  ;  "), 0);
    }

    #[test]
    fn cmd() {
        let n = |s: &str| command_count(s, Dialect::Cmd).unwrap();
        assert_eq!(n("setx /M PATH \"%PATH%;C:\\Program Files\\dotnet\""), 1);
        assert_eq!(n("mkdir C:\\app && cd C:\\app & dir | findstr x"), 4);
        assert_eq!(n("echo a ^& b \"c & d\""), 1);
        assert_eq!(command_count("a; b", Dialect::Posix), None);
    }
}
