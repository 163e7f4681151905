//! Lossless Dockerfile parsing with BuildKit's grammar, word expansion with BuildKit's shell
//! lexer semantics, the stage model, and RUN script analysis.

pub mod context;
pub mod dump;
pub mod expand;
pub mod model;
pub mod reference;
pub mod shell;
pub mod span;
pub mod syntax;
mod text;

pub use context::BuildContext;
pub use model::{
    BaseImage, BuildOptions, EffectiveShell, EffectiveUser, Expanded, InEffect, Model, ModelError,
    Mount, RunScript, SourceRef, Stage, Step, Variables,
};
pub use reference::{ImageRef, Platform};
pub use span::{LineIndex, Position, Span};
pub use syntax::{
    Arg, Args, Directive, Dockerfile, Flag, Heredoc, Instruction, Item, KeyValue, Keyword,
    ParseError, SkippedLine, Token, TokenKind, Warning, WarningKind,
};
pub use text::go_quote;
