//! Compose projects as `docker compose config` resolves them, with the file and byte span of
//! every value kept through interpolation, merging and `extends`, so that a finding points at
//! the line to edit.
//!
//! - [`yaml`]: YAML parsed into a tree whose every node has its span; anchors, aliases and
//!   merge keys resolved with bounded expansion; duplicate keys rejected.
//! - [`dotenv`]: `.env` and `env_file:` files as Compose reads them.
//! - [`interpolate`]: `${VAR}` interpolation with Compose's operators.
//! - [`load`]: a project resolved from its files, `.env`, profiles; [`model`] is the result;
//!   [`json`] prints it as `docker compose config --format json` does.

mod consistency;
pub mod dotenv;
pub mod gitfacts;
pub mod interpolate;
pub mod json;
pub mod load;
pub mod model;
mod validate;
pub mod yaml;

pub use load::{load, LoadError, Options};
pub use model::{Origin, Project, Service, Spanned};
