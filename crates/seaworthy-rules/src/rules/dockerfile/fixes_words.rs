//! Small text helpers shared by fixes that rewrite an instruction's keyword or arguments.

/// `keyword` (an instruction keyword in upper case, `COPY`) written in the casing of
/// `written`, the keyword it replaces: lower case when that was all lower case, upper case
/// otherwise (a mixed-case keyword is instruction-casing-inconsistent's to fix).
pub(crate) fn keyword_like(written: &str, keyword: &str) -> String {
    if written.bytes().any(|b| b.is_ascii_alphabetic()) && written == written.to_ascii_lowercase() {
        keyword.to_ascii_lowercase()
    } else {
        keyword.to_ascii_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_follows_the_written_casing() {
        assert_eq!(keyword_like("add", "COPY"), "copy");
        assert_eq!(keyword_like("ADD", "COPY"), "COPY");
        assert_eq!(keyword_like("Add", "COPY"), "COPY");
        assert_eq!(keyword_like("maintainer", "LABEL"), "label");
    }
}
