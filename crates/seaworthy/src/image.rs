//! `seaworthy image`: audit a built image. The image is opened (a `docker save` archive or an
//! OCI layout; a registry source plugs in through [`audit`]), every layer is streamed once with
//! the image rules' facts visitor, the image rules run on the config, the history and the file
//! index, and the findings are reported like `check`'s, at logical places (`Config.User`,
//! `/etc/shadow`). `--layers` adds a per-layer size and waste breakdown.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use clap::Args as ClapArgs;
use seaworthy_image::{FsIndex, Image, ImageError, Platform, RegistryOptions, ScanOptions};
use seaworthy_report::{FileReport, LayerBreakdown, LayerRow, OutputFormat};
use seaworthy_rules::rules::image::{
    check_image, step_text, FactsVisitor, ImageContext, ImageFacts, ImageOptions,
};
use seaworthy_rules::Finding;

use crate::output::{plural, write_atomically, OutputArgs, Setup};

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
    /// filesystem is below this ratio (dive's lowestEfficiency; default: the configuration's
    /// `lowest-efficiency`, else 0.9).
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio)]
    pub lowest_efficiency: Option<f64>,
    /// Also write the per-layer breakdown and the findings as an HTML page with a chart.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Talk plain HTTP to the registry (Docker's "insecure registry"); TLS errors are never
    /// ignored.
    #[arg(long)]
    pub insecure: bool,
    /// A PEM file of CA certificates to trust for the registry, besides the system's.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
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
    let source = Source {
        platform: args.platform.clone(),
        insecure: args.insecure,
        ca_file: args.ca_file.clone(),
    };
    match open(&args.image, &source) {
        Ok(image) => audit(&args, &setup, &image, &args.image),
        Err(code) => code,
    }
}

/// Where and how to fetch an image: the flags `image` and `check --image` share.
pub struct Source {
    pub platform: String,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
}

/// Opens `spec` (a path or a registry reference); an error is printed as one line, exit 2.
pub fn open(spec: &str, source: &Source) -> Result<Image, ExitCode> {
    let platform: Platform = source.platform.parse().map_err(|e| fail(spec, &e))?;
    let options = RegistryOptions {
        platform: Some(platform),
        insecure: source.insecure,
        ca_file: source.ca_file.clone(),
        ..Default::default()
    };
    let looks_like_path = spec.starts_with(['/', '.', '~']) || spec.ends_with(".tar");
    if looks_like_path && !Path::new(spec).exists() {
        eprintln!(
            "{spec}: error: no such file or directory (give a `docker save` archive, an OCI \
             layout, or a registry reference such as registry.example/app:1.2)"
        );
        return Err(ExitCode::from(2));
    }
    Image::open_any(spec, &options).map_err(|e| fail(spec, &e))
}

/// One clear line for an error of the image source, exit 2.
pub fn fail(name: &str, e: &ImageError) -> ExitCode {
    let msg = e.to_string();
    if msg.starts_with(name) {
        eprintln!("error: {msg}");
    } else {
        eprintln!("{name}: error: {msg}");
    }
    ExitCode::from(2)
}

/// What one audit of an image found.
pub struct Scanned {
    pub index: FsIndex,
    pub facts: ImageFacts,
    pub findings: Vec<Finding>,
}

/// Streams every layer of `image` once (with a progress bar on a terminal when `progress` is
/// set), runs the image rules and returns the index, the facts and the findings, filtered by
/// the configuration for `name`.
pub fn scan_and_check(
    image: &Image,
    name: &str,
    setup: &Setup,
    options: &ImageOptions,
    progress: bool,
) -> Result<Scanned, ImageError> {
    let bar = progress.then(|| Progress::start(image)).flatten();
    let scan_options = ScanOptions {
        progress: bar.as_ref().map(|b| b.count.clone()),
        ..ScanOptions::default()
    };
    let scanned = image.scan_parallel(&scan_options, |_| FactsVisitor::default());
    drop(bar);
    let (index, visitors) = scanned?;
    let facts = ImageFacts::from_visitors(visitors);
    let cx = ImageContext::new(image, &index, &facts, &setup.config.settings, options);
    let mut findings = check_image(&cx);
    setup.config.filter(Path::new(name), &mut findings);
    Ok(Scanned {
        index,
        facts,
        findings,
    })
}

/// The rules' options for an audit now.
pub fn options_now(lowest_efficiency: f64) -> ImageOptions {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    ImageOptions {
        lowest_efficiency,
        ..ImageOptions::at_unix_day(days as i64)
    }
}

/// Audits an opened image (from any source) known to the user as `name`: scans its layers
/// once, runs the image rules, writes the report and returns the exit code.
pub fn audit(args: &ImageArgs, setup: &Setup, image: &Image, name: &str) -> ExitCode {
    let options = options_now(
        args.lowest_efficiency
            .unwrap_or(setup.config.settings.lowest_efficiency),
    );
    let Scanned {
        index, findings, ..
    } = match scan_and_check(image, name, setup, &options, !args.out.quiet) {
        Ok(r) => r,
        Err(e) => return fail(name, &e),
    };
    let breakdown = breakdown(image, &index, name);
    if let Some(path) = &args.html {
        let mut page = Vec::new();
        let written = seaworthy_report::layers_html(&mut page, &breakdown, &findings)
            .and_then(|()| write_atomically(path, &page));
        if let Err(e) = written {
            eprintln!("{}: error: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let reports = [FileReport::logical("image", name, &findings)];
    let code = args.out.finish(setup, &reports, 0, |n| {
        format!("1 image, {}", plural(n, "finding"))
    });
    if args.layers {
        let mut table = b"\n".to_vec();
        let _ = seaworthy_report::layers_text(&mut table, &breakdown, colored(&args.out));
        args.out.diagnostics(&String::from_utf8_lossy(&table));
    }
    code
}

/// The per-layer figures of the scanned image, for the text and HTML breakdowns.
pub fn breakdown(image: &Image, index: &FsIndex, name: &str) -> LayerBreakdown {
    LayerBreakdown {
        image: name.to_owned(),
        layers: index
            .layers()
            .iter()
            .map(|l| {
                let layer = image.layers.get(l.index);
                LayerRow {
                    created_by: layer
                        .and_then(|layer| layer.created_by.as_deref())
                        .map(step_text)
                        .unwrap_or_default(),
                    digest: layer
                        .and_then(|layer| layer.digest.clone())
                        .unwrap_or_default(),
                    bytes: l.file_bytes,
                    wasted: l.wasted_bytes,
                    files: l.entries - l.whiteouts,
                    stored: l.blob_bytes,
                }
            })
            .collect(),
    }
}

/// A progress bar of the stored bytes read, on standard error when it is a terminal, drawn by
/// a thread that polls the scan's counter; gone when dropped.
struct Progress {
    count: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(image: &Image) -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let total: u64 = image.layers.iter().map(|l| l.size).sum();
        let count = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "scanning [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        // Drawn at once, however short the scan turns out to be.
        bar.tick();
        let thread = {
            let (count, done) = (count.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(count.load(Ordering::Relaxed));
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        };
        Some(Progress {
            count,
            done,
            thread: Some(thread),
        })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Whether the layer table is coloured: with the report, when it is text on standard output.
fn colored(out: &OutputArgs) -> bool {
    out.color()
        && out.output.is_none()
        && matches!(out.format, OutputFormat::Human | OutputFormat::Concise)
}
