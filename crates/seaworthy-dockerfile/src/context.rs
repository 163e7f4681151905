//! The build context a Dockerfile is built with: its `.dockerignore` and the files it holds.
//! Read from disk by the CLI; rules see only this value.

/// What the rules know of a build context. Placeholder: to be filled in with the
/// `.dockerignore` patterns and the context's file listing.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {}
