//! An image's per-layer breakdown: how many bytes each layer adds, how many of them later
//! layers overwrite or delete (wasted: they still ship), and the image's efficiency. Written as
//! text bars for the terminal and as a self-contained HTML page with a chart.
//!
//! The figures come from the image crate's index; this module only lays them out, so it takes
//! plain numbers ([`LayerBreakdown`]) and knows nothing of tar or registries.

use std::io::{self, Write};

pub use seaworthy_rules::rules::image::human_bytes;
use seaworthy_rules::Finding;
use serde_json::json;

/// One layer's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerRow {
    /// The step that made the layer, as the history records it (empty when unknown).
    pub created_by: String,
    /// The layer's digest as stored (`sha256:…`), or its place in the archive.
    pub digest: String,
    /// Bytes of regular files the layer adds.
    pub bytes: u64,
    /// Of those, bytes that later layers overwrite or delete.
    pub wasted: u64,
    /// Files, directories and links the layer adds (whiteouts not counted).
    pub files: u64,
    /// Stored (compressed) size.
    pub stored: u64,
}

/// The breakdown of one image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerBreakdown {
    /// The image as the user named it.
    pub image: String,
    pub layers: Vec<LayerRow>,
}

impl LayerBreakdown {
    pub fn total_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.bytes).sum()
    }

    pub fn wasted_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.wasted).sum()
    }

    /// The share of shipped file bytes that the final filesystem still shows, 1.0 for an image
    /// without waste (dive's efficiency score).
    pub fn efficiency(&self) -> f64 {
        let total = self.total_bytes();
        if total == 0 {
            1.0
        } else {
            (total - self.wasted_bytes().min(total)) as f64 / total as f64
        }
    }
}

/// `text` on one line (runs of whitespace as one space) of at most `width` characters.
fn one_line(text: &str, width: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= width {
        line
    } else {
        let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The breakdown as terminal lines: a summary, then per layer its size, files, wasted bytes, a
/// bar (`#` kept, `~` wasted, scaled to the largest layer) and the step that made it. With
/// `color`, kept bytes are green and wasted ones red.
pub fn layers_text(out: &mut dyn Write, b: &LayerBreakdown, color: bool) -> io::Result<()> {
    const BAR: usize = 30;
    let largest = b.layers.iter().map(|l| l.bytes).max().unwrap_or(0).max(1);
    let n = b.layers.len();
    writeln!(
        out,
        "Layers of {}: {} in {n} layer{}, {} wasted, efficiency {:.1}%",
        b.image,
        human_bytes(b.total_bytes()),
        if n == 1 { "" } else { "s" },
        human_bytes(b.wasted_bytes()),
        b.efficiency() * 100.0
    )?;
    writeln!(
        out,
        "  {:>3}  {:>10}  {:>7}  {:>10}  {:<BAR$}  step",
        "#", "size", "files", "wasted", "bar"
    )?;
    let scale = |bytes: u64| ((bytes as f64 / largest as f64) * BAR as f64).round() as usize;
    for (i, l) in b.layers.iter().enumerate() {
        // Any bytes at all get at least one cell, so that no layer looks empty when it is not.
        let total = scale(l.bytes).max(usize::from(l.bytes > 0));
        let wasted = scale(l.wasted).max(usize::from(l.wasted > 0)).min(total);
        let kept = "#".repeat(total - wasted);
        let waste = "~".repeat(wasted);
        let pad = " ".repeat(BAR - total);
        let bar = if color {
            format!("\x1b[32m{kept}\x1b[31m{waste}\x1b[0m{pad}")
        } else {
            format!("{kept}{waste}{pad}")
        };
        writeln!(
            out,
            "  {i:>3}  {:>10}  {:>7}  {:>10}  {bar}  {}",
            human_bytes(l.bytes),
            l.files,
            human_bytes(l.wasted),
            one_line(&l.created_by, 100)
        )?;
    }
    Ok(())
}

/// A self-contained HTML page (no external resource): a stacked bar chart of each layer's kept
/// and wasted bytes drawn as SVG by an inline script from the embedded data, a table of the
/// layers and the findings. Every string from the image reaches the page as JSON data or as
/// escaped text, never as markup.
pub fn layers_html(
    out: &mut dyn Write,
    b: &LayerBreakdown,
    findings: &[Finding],
) -> io::Result<()> {
    let data = json!({
        "image": b.image,
        "total": b.total_bytes(),
        "wasted": b.wasted_bytes(),
        "efficiency": b.efficiency(),
        "layers": b.layers.iter().map(|l| json!({
            "command": one_line(&l.created_by, 200),
            "digest": l.digest,
            "bytes": l.bytes,
            "wasted": l.wasted,
            "files": l.files,
            "stored": l.stored,
        })).collect::<Vec<_>>(),
        "findings": findings.iter().map(|f| json!({
            "rule": f.rule.id,
            "name": f.rule.name,
            "severity": f.severity.as_str(),
            "place": f.logical,
            "message": f.message,
        })).collect::<Vec<_>>(),
    });
    // Inside <script>, only `</` (and `<!--`) can end the element early; JSON allows `<\/`.
    let data = serde_json::to_string(&data)?
        .replace("</", "<\\/")
        .replace("<!--", "\\u003c!--");
    write!(
        out,
        "{}",
        HTML.replace("{{TITLE}}", &escape_html(&b.image))
            .replace("{{DATA}}", &data)
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HTML: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>seaworthy: layers of {{TITLE}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1d1d1f; }
h1 { font-size: 1.3em; }
.summary span { margin-right: 1.5em; }
svg text { font: 11px system-ui, sans-serif; }
rect.kept { fill: #3b7dd8; }
rect.wasted { fill: #e8a33d; }
table { border-collapse: collapse; margin-top: 1.5em; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; word-break: break-all; }
.error { color: #b00020; } .warning { color: #a15c00; } .info, .style { color: #555; }
</style>
</head>
<body>
<h1>Layers of <span id="image"></span></h1>
<p class="summary"><span id="total"></span><span id="wasted"></span><span id="efficiency"></span></p>
<div id="chart"></div>
<table id="layers"><thead><tr><th>#</th><th>size</th><th>wasted</th><th>files</th><th>stored</th><th>created by</th></tr></thead><tbody></tbody></table>
<h2>Findings</h2>
<table id="findings"><thead><tr><th>rule</th><th>severity</th><th>where</th><th>message</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="data">{{DATA}}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  function bytes(n) {
    var units = ["KiB", "MiB", "GiB", "TiB"], v = n, u = -1;
    if (n < 1024) return n + " B";
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(1) + " " + units[u];
  }
  function text(el, s) { el.textContent = s; return el; }
  function cell(row, s, cls) { var td = row.insertCell(); if (cls) td.className = cls; text(td, s); return td; }
  text(document.getElementById("image"), data.image);
  text(document.getElementById("total"), "total " + bytes(data.total));
  text(document.getElementById("wasted"), "wasted " + bytes(data.wasted));
  text(document.getElementById("efficiency"), "efficiency " + (data.efficiency * 100).toFixed(1) + "%");

  var rowH = 22, labelW = 60, barW = 600, largest = 1;
  data.layers.forEach(function (l) { largest = Math.max(largest, l.bytes); });
  var svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", labelW + barW + 120);
  svg.setAttribute("height", data.layers.length * rowH + 10);
  svg.setAttribute("role", "img");
  data.layers.forEach(function (l, i) {
    var y = i * rowH + 4, w = l.bytes / largest * barW, ww = l.wasted / largest * barW;
    var label = document.createElementNS(SVG, "text");
    label.setAttribute("x", 0); label.setAttribute("y", y + 14);
    svg.appendChild(text(label, "layer " + i));
    var kept = document.createElementNS(SVG, "rect");
    kept.setAttribute("class", "kept"); kept.setAttribute("data-layer", i);
    kept.setAttribute("x", labelW); kept.setAttribute("y", y);
    kept.setAttribute("width", Math.max(w - ww, 0)); kept.setAttribute("height", rowH - 6);
    var title = document.createElementNS(SVG, "title");
    kept.appendChild(text(title, bytes(l.bytes) + ": " + l.command));
    svg.appendChild(kept);
    if (l.wasted > 0) {
      var wasted = document.createElementNS(SVG, "rect");
      wasted.setAttribute("class", "wasted"); wasted.setAttribute("data-layer", i);
      wasted.setAttribute("x", labelW + Math.max(w - ww, 0)); wasted.setAttribute("y", y);
      wasted.setAttribute("width", ww); wasted.setAttribute("height", rowH - 6);
      svg.appendChild(wasted);
    }
    var size = document.createElementNS(SVG, "text");
    size.setAttribute("x", labelW + w + 6); size.setAttribute("y", y + 14);
    svg.appendChild(text(size, bytes(l.bytes)));
  });
  document.getElementById("chart").appendChild(svg);

  var layers = document.querySelector("#layers tbody");
  data.layers.forEach(function (l, i) {
    var row = layers.insertRow();
    cell(row, String(i)); cell(row, bytes(l.bytes), "num"); cell(row, bytes(l.wasted), "num");
    cell(row, String(l.files), "num"); cell(row, bytes(l.stored), "num");
    var code = document.createElement("code"); text(code, l.command);
    row.insertCell().appendChild(code);
  });
  var findings = document.querySelector("#findings tbody");
  data.findings.forEach(function (f) {
    var row = findings.insertRow();
    cell(row, f.rule + " " + f.name); cell(row, f.severity, f.severity);
    cell(row, f.place || ""); cell(row, f.message);
  });
  document.body.setAttribute("data-rendered", "yes");
})();
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LayerBreakdown {
        LayerBreakdown {
            image: "app:1".into(),
            layers: vec![
                LayerRow {
                    created_by: "/bin/sh -c #(nop) ADD file:abc in / ".into(),
                    bytes: 4 << 20,
                    wasted: 1 << 20,
                    ..Default::default()
                },
                LayerRow {
                    created_by: "RUN apt-get update &&\n    apt-get install -y curl".into(),
                    bytes: 2 << 20,
                    ..Default::default()
                },
                LayerRow {
                    created_by: "USER 10001".into(),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn efficiency_is_the_share_of_bytes_still_visible() {
        let b = sample();
        assert_eq!(b.total_bytes(), 6 << 20);
        assert_eq!(b.wasted_bytes(), 1 << 20);
        assert!((b.efficiency() - 5.0 / 6.0).abs() < 1e-9);
        assert_eq!(LayerBreakdown::default().efficiency(), 1.0);
    }

    #[test]
    fn text_bars_scale_to_the_largest_layer_and_mark_waste() {
        let mut out = Vec::new();
        layers_text(&mut out, &sample(), false).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Layers of app:1: 6.0 MiB in 3 layers, 1.0 MiB wasted, efficiency 83.3%"
        );
        // The largest layer fills the bar: 30 cells, a quarter of them wasted.
        assert!(
            lines[2].contains(&format!("{}{}  ", "#".repeat(22), "~".repeat(8))),
            "{}",
            lines[2]
        );
        assert!(
            lines[2].contains("/bin/sh -c #(nop) ADD file:abc in /"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].contains(&format!("{}{}  ", "#".repeat(15), " ".repeat(15))),
            "{}",
            lines[3]
        );
        assert!(lines[3].contains("RUN apt-get update && apt-get install -y curl"));
        assert!(
            !lines[4].contains('#'),
            "an empty layer has no bar: {}",
            lines[4]
        );
        assert!(!text.contains('\x1b'));
        let mut colored = Vec::new();
        layers_text(&mut colored, &sample(), true).unwrap();
        assert!(String::from_utf8(colored)
            .unwrap()
            .contains("\x1b[31m~~~~~~~~\x1b[0m"));
    }

    #[test]
    fn html_embeds_image_strings_as_data_not_markup() {
        let mut b = sample();
        b.image = "evil</title><script>x</script>".into();
        b.layers[1].created_by = "RUN echo '</script><script>document.title=1</script>'".into();
        let mut out = Vec::new();
        layers_html(&mut out, &b, &[]).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<title>seaworthy: layers of evil&lt;/title&gt;&lt;script&gt;"));
        // Two script elements of our own, and no closing tag from the data.
        assert_eq!(html.matches("</script>").count(), 2, "{html}");
        assert!(html.contains(r"<\/script><script>document.title=1<\/script>"));
    }
}
