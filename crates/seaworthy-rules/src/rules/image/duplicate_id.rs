use std::collections::BTreeMap;

use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Two accounts of /etc/passwd share a UID, or two groups of /etc/group a GID.
pub struct DuplicateId;

static META: RuleMeta = RuleMeta {
    id: "SW3003",
    name: "image-duplicate-id",
    severity: Severity::Warning,
    category: Category::Identity,
    practice: 1,
    aliases: &["DKL-LI-0002"],
    summary: "Two accounts or two groups of the image share a numeric id.",
    why: "The kernel knows users and groups only by number: two names with one UID are one \
          user, so a second account with UID 0 is a hidden root, and file ownership, `ps` and \
          audit logs name whichever comes first. Give every account and group its own id.",
    bad: "FROM debian:12.7-slim\nRUN useradd -o -u 0 admin\n",
    good: "FROM debian:12.7-slim\nRUN useradd -u 10001 app\n",
};

impl ImageRule for DuplicateId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let accounts = cx.facts.accounts(cx.index);
        let mut uids: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for e in &accounts.passwd {
            uids.entry(e.uid).or_default().push(&e.name);
        }
        for (uid, names) in uids.iter().filter(|(_, n)| n.len() > 1) {
            out.push(Finding::at(
                &META,
                "/etc/passwd",
                format!(
                    "users {} share UID {uid}: the kernel sees one user{}",
                    quoted(names),
                    if *uid == 0 {
                        ", so every one of them is root"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let mut gids: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for g in &accounts.groups {
            gids.entry(g.gid).or_default().push(&g.name);
        }
        for (gid, names) in gids.iter().filter(|(_, n)| n.len() > 1) {
            out.push(Finding::at(
                &META,
                "/etc/group",
                format!("groups {} share GID {gid}", quoted(names)),
            ));
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        let passwd = format!("{PASSWD}admin:x:0:0::/root:/bin/sh\n");
        let w = with_layer(
            LayerBuilder::new().file("/etc/passwd", passwd.as_bytes(), 0o644),
            "RUN useradd -o -u 0 admin",
        );
        let found = assert_fires(&DuplicateId, &w, &["/etc/passwd"]);
        assert!(found[0].message.contains("`root`, `admin` share UID 0"));
        let group = format!("{GROUP}staff:x:10001:\n");
        let w = with_layer(
            LayerBuilder::new().file("/etc/group", group.as_bytes(), 0o644),
            "RUN groupadd -o -g 10001 staff",
        );
        assert_fires(&DuplicateId, &w, &["/etc/group"]);
    }

    #[test]
    fn passes() {
        assert_clean(&DuplicateId, &hardened());
    }
}
