//! Rules, one directory per target.

pub mod dockerfile;
