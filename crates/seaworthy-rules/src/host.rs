//! What the Compose and the container rules both know about the host: the path forms of a bind
//! source, the host paths a container must not see, the capabilities that break isolation.
//! One list each, so that a file and the container started from it are judged alike.

/// A host path as a list of its components: repeated and trailing slashes dropped, `.` and
/// `..` resolved lexically (`/srv/../root` is `root`).
pub(crate) fn host_components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out
}

/// System directories, reported when bound exactly (a file below them may be fine:
/// `/etc/localtime`).
const SYSTEM_DIRS: &[&[&str]] = &[
    &[],
    &["bin"],
    &["etc"],
    &["home"],
    &["lib"],
    &["lib64"],
    &["sbin"],
    &["usr"],
    &["var"],
];

/// Trees reported when bound or anything beneath them is: the kernel's, root's, the engines'.
const SENSITIVE_TREES: &[&[&str]] = &[
    &["boot"],
    &["dev"],
    &["proc"],
    &["sys"],
    &["root"],
    &["var", "lib", "docker"],
    &["var", "lib", "containerd"],
];

/// Whether binding the absolute host path `source` into a container exposes the host.
pub(crate) fn is_sensitive_host_path(source: &str) -> bool {
    let parts = host_components(source);
    SYSTEM_DIRS.contains(&parts.as_slice()) || SENSITIVE_TREES.iter().any(|d| parts.starts_with(d))
}

/// Container engines' API sockets, by file name, and what each is.
const ENGINE_SOCKETS: &[(&str, &str)] = &[
    ("docker.sock", "the Docker daemon socket"),
    ("podman.sock", "the podman API socket"),
    ("containerd.sock", "the containerd socket"),
    ("crio.sock", "the CRI-O socket"),
    ("dockershim.sock", "the dockershim socket"),
];

/// Directories whose bind hands over an engine's socket.
const ENGINE_SOCKET_DIRS: &[&[&str]] = &[
    &["run"],
    &["var", "run"],
    &["run", "docker"],
    &["var", "run", "docker"],
    &["run", "podman"],
    &["var", "run", "podman"],
    &["run", "containerd"],
    &["var", "run", "containerd"],
    &["run", "crio"],
    &["var", "run", "crio"],
];

/// What binding the host path `path` hands over, when it is a container engine's API socket
/// (by file name, wherever it is) or a directory holding one: root on the host.
pub(crate) fn engine_socket(path: &str) -> Option<&'static str> {
    let parts = host_components(path);
    if let Some(name) = parts.last() {
        if let Some((_, what)) = ENGINE_SOCKETS.iter().find(|(file, _)| file == name) {
            return Some(what);
        }
    }
    ENGINE_SOCKET_DIRS
        .contains(&parts.as_slice())
        .then_some("the directory holding the container engine's socket")
}

/// Capabilities that break the container's isolation when added back (`ALL` among them).
pub(crate) const RISKY_CAPABILITIES: &[&str] = &[
    "ALL",
    "BPF",
    "DAC_READ_SEARCH",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "NET_ADMIN",
    "PERFMON",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_TIME",
    "SYSLOG",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_are_judged_after_normalisation() {
        for sensitive in [
            "/",
            "//etc/",
            "/srv/../root/.ssh",
            "/proc/1/ns",
            "/var/lib/docker",
        ] {
            assert!(is_sensitive_host_path(sensitive), "{sensitive}");
        }
        for fine in [
            "/etc/localtime",
            "/srv/data",
            "/var/log/app",
            "/home/app/cache",
        ] {
            assert!(!is_sensitive_host_path(fine), "{fine}");
        }
        assert_eq!(host_components("/a/./b//../c/"), ["a", "c"]);
        assert_eq!(
            engine_socket("/run/user/1000/podman/podman.sock"),
            Some("the podman API socket")
        );
        assert_eq!(
            engine_socket("//var/run/../run/docker.sock/"),
            Some("the Docker daemon socket")
        );
        assert!(engine_socket("/var/run/").is_some());
        assert_eq!(engine_socket("/var/run/app"), None);
        assert_eq!(engine_socket("/srv/docker.socket"), None);
        assert_eq!(
            host_components("/var/run/../run//docker.sock"),
            ["var", "run", "docker.sock"]
        );
    }
}
