//! Rules, one directory per target.

pub mod compose;
pub mod dockerfile;
