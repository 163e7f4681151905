//! Runtime rules: running containers (`SW4xxx`, from the Engine API or `docker inspect`
//! output) and the daemon's configuration (`SW5xxx`, daemon.json and `GET /info`).

use crate::RuleMeta;

/// Every container and daemon rule's metadata.
pub fn metas() -> Vec<&'static RuleMeta> {
    Vec::new()
}
