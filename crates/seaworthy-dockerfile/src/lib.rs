//! Lossless Dockerfile parsing with BuildKit's grammar, word expansion with BuildKit's shell
//! lexer semantics, the stage model, and RUN script analysis.

pub mod expand;
pub mod shell;
