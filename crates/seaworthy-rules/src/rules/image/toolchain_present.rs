use super::{ImageContext, ImageRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// Compilers, build tools or debuggers are on the image's `PATH`.
pub struct ToolchainPresent;

static META: RuleMeta = RuleMeta {
    id: "SW3404",
    name: "image-toolchain-present",
    severity: Severity::Info,
    category: Category::Hygiene,
    practice: 9,
    aliases: &[],
    summary: "The image ships compilers, build tools or debuggers.",
    why: "A runtime image needs the application and its libraries, not what built it: \
          compilers, build systems and debuggers add hundreds of megabytes and many packages \
          to patch, and give an attacker with a shell the means to build exploits or attach to \
          processes in place. The commands are looked up along the image's `PATH` (and Go's \
          /usr/local/go/bin), whatever installed them. Build in a separate stage and copy only \
          the result; debug with an ephemeral container (`docker debug`, `kubectl debug`) \
          rather than tools baked into the image. The Dockerfile rule \
          toolchain-in-final-image reports the install itself.",
    bad: "FROM debian:12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY . /src\nRUN make -C /src\n",
    good: "FROM debian:12.7-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make\nCOPY . /src\nRUN make -C /src\n\
           FROM debian:12.7-slim\nCOPY --from=build /src/app /app\n",
};

/// (command, what it is).
const TOOLS: &[(&str, &str)] = &[
    ("gcc", "compiler"),
    ("g++", "compiler"),
    ("cc", "compiler"),
    ("c++", "compiler"),
    ("clang", "compiler"),
    ("rustc", "compiler"),
    ("cargo", "build tool"),
    ("go", "compiler"),
    ("javac", "compiler"),
    ("make", "build tool"),
    ("cmake", "build tool"),
    ("gdb", "debugger"),
    ("strace", "debugger"),
    ("ltrace", "debugger"),
    ("valgrind", "debugger"),
];

impl ImageRule for ToolchainPresent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ImageContext<'_>, out: &mut Vec<Finding>) {
        let mut found: Vec<(String, &str, &str)> = Vec::new();
        for (tool, what) in TOOLS {
            let path = cx.find_command(tool).or_else(|| {
                let go = format!("/usr/local/go/bin/{tool}");
                cx.find_command(&go)
            });
            if let Some(path) = path {
                found.push((path, tool, what));
            }
        }
        let Some((first, ..)) = found.first() else {
            return;
        };
        let list: Vec<String> = found
            .iter()
            .map(|(path, tool, what)| format!("{tool} ({what}, `{path}`)"))
            .collect();
        let layer = cx.resolve(first).map(|r| cx.layer_name(r.layer));
        out.push(Finding::at(
            &META,
            first.as_str(),
            format!(
                "the image ships build and debug tools: {}{}; build in a separate stage and \
                 copy only the result",
                list.join(", "),
                layer
                    .map(|l| format!(" ({} from {l})", found[0].1))
                    .unwrap_or_default()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use seaworthy_image::write::LayerBuilder;

    #[test]
    fn fires() {
        let w = with_layer(
            LayerBuilder::new()
                .file("/usr/bin/gcc-12", b"\x7fELF", 0o755)
                .symlink("/usr/bin/gcc", "gcc-12")
                .file("/usr/bin/make", b"\x7fELF", 0o755)
                .file("/usr/local/go/bin/go", b"\x7fELF", 0o755),
            "RUN apt-get install -y gcc make",
        );
        let found = assert_fires(&ToolchainPresent, &w, &["/usr/bin/gcc"]);
        let m = &found[0].message;
        assert!(
            m.contains("gcc (compiler")
                && m.contains("make (build tool")
                && m.contains("go (compiler, `/usr/local/go/bin/go`)")
                && m.contains("layer 2"),
            "{m}"
        );
    }

    #[test]
    fn passes() {
        assert_clean(&ToolchainPresent, &hardened());
        // Not executable, or outside PATH.
        let w = with_layer(
            LayerBuilder::new().file("/usr/bin/make", b"x", 0o644).file(
                "/opt/sdk/bin/gcc",
                b"x",
                0o755,
            ),
            "COPY sdk /opt/sdk",
        );
        assert_clean(&ToolchainPresent, &w);
    }
}
