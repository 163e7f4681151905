//! Lossless Dockerfile parsing with BuildKit's grammar, word expansion with BuildKit's shell
//! lexer semantics, the stage model, and RUN script analysis.

pub mod dump;
pub mod expand;
pub mod shell;
pub mod span;
pub mod syntax;
mod text;

pub use span::{LineIndex, Position, Span};
pub use syntax::{
    Arg, Args, Directive, Dockerfile, Flag, Heredoc, Instruction, Item, KeyValue, Keyword,
    ParseError, SkippedLine, Token, TokenKind, Warning,
};
pub use text::go_quote;
