//! BuildKit's "did you mean" suggestions (its `suggest` package), for rules that word their
//! findings as BuildKit words its errors and lints.

use super::go::with_suggestion;

/// The option BuildKit would suggest for `value`: the closest within edit distance 2, `None`
/// when there is none or when `value` is itself one of the options. Case-insensitive matching
/// keeps the option's case unless `value` is all upper case.
///
/// ```
/// use seaworthy_dockerfile::model::did_you_mean;
/// assert_eq!(did_you_mean("PAHT", &["PATH", "HOME"], true).as_deref(), Some("PATH"));
/// assert_eq!(did_you_mean("PATH", &["PATH"], true), None);
/// assert_eq!(did_you_mean("COMPLETELY", &["PATH"], true), None);
/// ```
pub fn did_you_mean(value: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let wrapped = with_suggestion(String::new(), value, options, case_sensitive);
    wrapped
        .strip_prefix(" (did you mean ")
        .and_then(|s| s.strip_suffix("?)"))
        .map(str::to_owned)
}
