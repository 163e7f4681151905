//! Rules, one directory per target.

pub mod compose;
pub mod dockerfile;
pub mod image;
pub mod runtime;
