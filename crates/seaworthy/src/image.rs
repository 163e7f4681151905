//! `seaworthy image`: audit a built image. The image is opened (a `docker save` archive or an
//! OCI layout; a registry source plugs in through [`audit`]), every layer is streamed once with
//! the image rules' facts visitor, the image rules run on the config, the history and the file
//! index, and the findings are reported like `check`'s, at logical places (`Config.User`,
//! `/etc/shadow`). `--layers` adds a per-layer size and waste breakdown.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Args as ClapArgs;
use seaworthy_image::{FsIndex, Image, ImageError, Platform, ScanOptions};
use seaworthy_report::{FileReport, OutputFormat};
use seaworthy_rules::rules::image::{
    check_image, human_bytes, step_text, FactsVisitor, ImageContext, ImageFacts, ImageOptions,
};

use crate::output::{plural, OutputArgs, Setup};

#[derive(ClapArgs)]
pub struct ImageArgs {
    /// A `docker save` archive, an OCI layout (directory or tar), or a registry reference.
    pub image: String,
    /// The image of a multi-platform index to audit: os/arch[/variant].
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: String,
    /// After the report, print each layer's size, files, wasted bytes and the step that made
    /// it, with a bar per layer (on standard output for the human and concise formats and
    /// with --output, else on standard error).
    #[arg(long)]
    pub layers: bool,
    /// Report wasted bytes when the share of shipped file bytes still visible in the final
    /// filesystem is below this ratio (dive's lowestEfficiency).
    #[arg(long, value_name = "RATIO", default_value_t = 0.9, value_parser = parse_ratio)]
    pub lowest_efficiency: f64,
    #[command(flatten)]
    pub out: OutputArgs,
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{s:?} is not a ratio between 0 and 1")),
    }
}

pub fn run(args: ImageArgs) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let setup = match args.out.setup(&cwd) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let platform: Platform = match args.platform.parse() {
        Ok(p) => p,
        Err(e) => return fail(&args.image, &e),
    };
    if !Path::new(&args.image).exists() {
        eprintln!(
            "{}: error: no such file or directory (a `docker save` archive or an OCI layout; \
             registry references are not supported yet)",
            args.image
        );
        return ExitCode::from(2);
    }
    let image = match Image::open(&args.image, Some(&platform)) {
        Ok(i) => i,
        Err(e) => return fail(&args.image, &e),
    };
    audit(&args, &setup, &image, &args.image)
}

/// One clear line for an error of the image source, exit 2.
fn fail(name: &str, e: &ImageError) -> ExitCode {
    let msg = e.to_string();
    if msg.starts_with(name) {
        eprintln!("error: {msg}");
    } else {
        eprintln!("{name}: error: {msg}");
    }
    ExitCode::from(2)
}

/// Audits an opened image (from any source) known to the user as `name`: scans its layers
/// once, runs the image rules, writes the report and returns the exit code.
pub fn audit(args: &ImageArgs, setup: &Setup, image: &Image, name: &str) -> ExitCode {
    let (index, visitors) =
        match image.scan_parallel(&ScanOptions::default(), |_| FactsVisitor::default()) {
            Ok(r) => r,
            Err(e) => return fail(name, &e),
        };
    let facts = ImageFacts::from_visitors(visitors);
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let options = ImageOptions {
        lowest_efficiency: args.lowest_efficiency,
        ..ImageOptions::at_unix_day(days as i64)
    };
    let cx = ImageContext::new(image, &index, &facts, &setup.config.settings, &options);
    let mut findings = check_image(&cx);
    setup.config.filter(Path::new(name), &mut findings);
    let reports = [FileReport::logical("image", name, &findings)];
    let code = args.out.finish(setup, &reports, 0, |n| {
        format!("1 image, {}", plural(n, "finding"))
    });
    if args.layers {
        let table = layer_table(image, &index, name, colored(&args.out));
        args.out.diagnostics(&table);
    }
    code
}

/// Whether the report is coloured (the rule of `OutputArgs::finish`).
fn colored(out: &OutputArgs) -> bool {
    !out.no_color
        && out.output.is_none()
        && matches!(out.format, OutputFormat::Human | OutputFormat::Concise)
        && match out.color.as_str() {
            "always" => true,
            "never" => false,
            _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
}

const BAR: usize = 30;

/// The per-layer breakdown: size, files, wasted bytes, a bar (`#` kept, `~` wasted, scaled to
/// the largest layer) and the step that made the layer.
pub fn layer_table(image: &Image, index: &FsIndex, name: &str, color: bool) -> String {
    let stats = index.layers();
    let largest = stats.iter().map(|l| l.file_bytes).max().unwrap_or(0).max(1);
    let mut out = format!(
        "\nLayers of {name}: {} in {}, {} wasted, efficiency {:.1}%\n",
        human_bytes(index.total_file_bytes()),
        plural(stats.len(), "layer"),
        human_bytes(index.wasted_bytes()),
        index.efficiency() * 100.0
    );
    out.push_str(&format!(
        "  {:>3}  {:>10}  {:>7}  {:>10}  {:<BAR$}  step\n",
        "#", "size", "files", "wasted", "bar"
    ));
    for l in stats {
        let scale = |b: u64| ((b as f64 / largest as f64) * BAR as f64).round() as usize;
        let total = scale(l.file_bytes).max(usize::from(l.file_bytes > 0));
        let wasted = scale(l.wasted_bytes)
            .max(usize::from(l.wasted_bytes > 0))
            .min(total);
        let kept = "#".repeat(total - wasted);
        let waste = "~".repeat(wasted);
        let pad = " ".repeat(BAR - total);
        let bar = if color {
            format!("\x1b[32m{kept}\x1b[31m{waste}\x1b[0m{pad}")
        } else {
            format!("{kept}{waste}{pad}")
        };
        let step = image
            .layers
            .get(l.index)
            .and_then(|layer| layer.created_by.as_deref())
            .map(step_text)
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:>3}  {:>10}  {:>7}  {:>10}  {bar}  {step}\n",
            l.index,
            human_bytes(l.file_bytes),
            l.entries - l.whiteouts,
            human_bytes(l.wasted_bytes),
        ));
    }
    out
}
