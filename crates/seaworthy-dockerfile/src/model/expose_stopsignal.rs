//! `EXPOSE` ports and `STOPSIGNAL` signals, checked after expansion.

use super::go::{go_atoi, go_quote};
use super::ExposedPort;

// ---------------------------------------------------------------------------------------------
// EXPOSE and STOPSIGNAL

pub(super) fn parse_port(raw: &str) -> Result<ExposedPort, String> {
    let parts: Vec<&str> = raw.split(':').collect();
    let container = parts[parts.len() - 1];
    let (port, proto) = container.split_once('/').unwrap_or((container, ""));
    let wrap = |e: &str| format!("invalid port: {}: {e}", go_quote(raw));
    if port.is_empty() {
        return Err(wrap("no port specified"));
    }
    let protocol = match proto.to_lowercase().as_str() {
        "" => "tcp".to_owned(),
        p @ ("tcp" | "udp" | "sctp") => p.to_owned(),
        _ => return Err(wrap(&format!("invalid proto: {proto}"))),
    };
    let number = |p: &str| {
        p.parse::<u32>()
            .ok()
            .filter(|n| *n <= 65535)
            .map(|n| n as u16)
    };
    let invalid = || format!("invalid containerPort: {port}");
    let (start, end) = match port.split_once('-') {
        None => {
            let n = number(port).ok_or_else(invalid)?;
            (n, n)
        }
        Some((a, b)) => {
            let a = number(a).ok_or_else(invalid)?;
            let b = if b.is_empty() {
                a
            } else {
                number(b).ok_or_else(invalid)?
            };
            if b < a {
                return Err(invalid());
            }
            (a, b)
        }
    };
    Ok(ExposedPort {
        written: raw.to_owned(),
        start,
        end,
        protocol,
    })
}

const LINUX_SIGNALS: &[&str] = &[
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
];

/// moby's `signal.ParseSignal` with the Linux signal table.
pub(super) fn check_signal(raw: &str) -> Result<(), String> {
    if let Some(n) = go_atoi(raw) {
        return if n == 0 {
            Err(format!("invalid signal: {raw}"))
        } else {
            Ok(())
        };
    }
    let upper = raw.to_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let rt = |prefix: &str, sign: char| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(sign))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (1..=15).contains(&n) && !(prefix == "RTMAX" && n > 14))
    };
    if LINUX_SIGNALS.contains(&name) || rt("RTMIN", '+') || rt("RTMAX", '-') {
        Ok(())
    } else {
        Err(format!("invalid signal: {raw}"))
    }
}
