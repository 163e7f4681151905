//! Image rules (`SW3xxx`): each reads a built image's config, history and file index, and
//! points its findings at a logical place in the image (`Config.User`, `/etc/shadow`).

use crate::RuleMeta;

/// Every image rule's metadata.
pub fn metas() -> Vec<&'static RuleMeta> {
    Vec::new()
}
