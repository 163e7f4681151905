//! Word expansion (BuildKit shell lexer semantics).
