use seaworthy_image::{FileKind, FileRecord};

use super::{human_bytes, ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Files that later layers delete or overwrite still ship in the layers that added them: the
/// image's efficiency (dive's score) is below the threshold.
pub struct WastedBytes;

static META: RuleMeta = RuleMeta {
    id: "SW3405",
    name: "image-wasted-bytes",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 10,
    aliases: &[],
    summary: "Later layers delete or overwrite many bytes that earlier layers ship.",
    why: "A layer is immutable: `RUN rm` in a later layer hides a file but every pull still \
          downloads the layer that added it. The efficiency is the share of shipped file \
          bytes that are still visible in the final filesystem, dive's score with the kept copy \
          not counted as waste (dive counts it too, wagoodman/dive#684). It is reported below \
          90% (dive's default `lowestEfficiency`; `seaworthy image --lowest-efficiency` \
          changes it) when at least 1 MiB is wasted, naming the largest hidden files and the \
          layers that hid them. Install and clean up in one RUN, and copy build results from \
          a build stage instead of deleting sources.",
    bad: "FROM debian:12.7-slim\nCOPY release.tar.gz /tmp/\nRUN tar -xzf /tmp/release.tar.gz -C /opt\nRUN rm /tmp/release.tar.gz\n",
    good: "FROM debian:12.7-slim\nRUN --mount=type=bind,source=release.tar.gz,target=/tmp/release.tar.gz \\\n    tar -xzf /tmp/release.tar.gz -C /opt\n",
};

impl ImageRule for WastedBytes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let wasted = cx.index.wasted_bytes();
        let efficiency = cx.index.efficiency();
        if wasted < cx.options.min_wasted_bytes || efficiency >= cx.options.lowest_efficiency {
            return;
        }
        let mut hidden: Vec<&FileRecord> = cx
            .index
            .hidden()
            .filter(|r| r.meta.kind == FileKind::File && r.meta.size > 0)
            .collect();
        hidden.sort_by(|a, b| b.meta.size.cmp(&a.meta.size).then(a.path.cmp(&b.path)));
        let Some(top) = hidden.first() else { return };
        let biggest: Vec<String> = hidden
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "`{}` ({}, {})",
                    r.path,
                    human_bytes(r.meta.size),
                    cx.provenance(r)
                )
            })
            .collect();
        out.push(Finding::at(
            &META,
            &*top.path,
            format!(
                "{} of {} shipped file bytes are deleted or overwritten by later layers \
                 (efficiency {:.0}%, below {:.0}%); largest: {}",
                human_bytes(wasted),
                human_bytes(cx.index.total_file_bytes()),
                efficiency * 100.0,
                cx.options.lowest_efficiency * 100.0,
                biggest.join("; ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    fn wasteful(size: usize) -> seaworthy_image::write::ImageWriter {
        let mut w = with_layer(
            LayerBuilder::new().file("/tmp/release.tar.gz", &vec![7u8; size], 0o644),
            "COPY release.tar.gz /tmp/",
        );
        w.layer(
            LayerBuilder::new().whiteout("/tmp/release.tar.gz").finish(),
            "RUN rm /tmp/release.tar.gz",
        );
        w
    }

    #[test]
    fn fires() {
        let found = assert_fires(&WastedBytes, &wasteful(2 << 20), &["/tmp/release.tar.gz"]);
        let m = &found[0].message;
        assert!(
            m.contains("2.0 MiB of 2.0 MiB")
                && m.contains("efficiency 0%")
                && m.contains("deleted in layer 3"),
            "{m}"
        );
    }

    #[test]
    fn passes() {
        assert_clean(&WastedBytes, &hardened());
        // Below the minimum amount of waste.
        assert_clean(&WastedBytes, &wasteful(100 << 10));
        // Efficient enough: 1.1 MiB wasted of 12.1 MiB (91%).
        let mut w = wasteful(1_100_000);
        w.layer(
            LayerBuilder::new()
                .file("/opt/big", &vec![1u8; 11_000_000], 0o644)
                .finish(),
            "COPY big /opt/",
        );
        assert_clean(&WastedBytes, &w);
    }
}
