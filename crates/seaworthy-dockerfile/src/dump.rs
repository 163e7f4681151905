//! BuildKit's AST dump format (`Node.Dump()`), the format of BuildKit's parser test goldens:
//! one line per instruction, `(keyword ["--flag" ...] "arg" ...)`.

use crate::syntax::{Args, Dockerfile, Instruction, Keyword};
use crate::text::go_quote;

/// Dumps the whole file, one line per instruction, each line ending in `\n`.
pub fn dump(file: &Dockerfile) -> String {
    let mut out = String::new();
    for ins in file.instructions() {
        out.push('(');
        out.push_str(&dump_instruction(file, ins));
        out.push_str(")\n");
    }
    out
}

/// One instruction without the surrounding parentheses.
pub fn dump_instruction(file: &Dockerfile, ins: &Instruction) -> String {
    let mut s = go_lower(&file.logical(ins, ins.keyword));
    if !ins.flags.is_empty() {
        s.push_str(" [");
        for (i, f) in ins.flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&go_quote(f.text.as_bytes()));
        }
        s.push(']');
    }
    if ins.kind == Keyword::Unknown {
        // BuildKit's parser keeps an empty argument node for instructions it does not know.
        s.push_str(" \"\"");
        return s.trim().to_string();
    }
    dump_args(file, ins, &ins.args, &mut s);
    s.trim().to_string()
}

fn dump_args(file: &Dockerfile, ins: &Instruction, args: &Args, s: &mut String) {
    let mut push = |text: &str| {
        s.push(' ');
        s.push_str(&go_quote(text.as_bytes()));
    };
    match args {
        Args::None | Args::Ignored(_) => {}
        Args::Json { items, .. } | Args::Words(items) => {
            for a in items {
                push(&file.arg_value(ins, a));
            }
        }
        Args::String(a) => push(&file.arg_value(ins, a)),
        Args::KeyValues(kvs) => {
            for kv in kvs {
                push(&file.logical(ins, kv.key));
                push(&file.logical(ins, kv.value));
                push(if kv.equals { "=" } else { "" });
            }
        }
        Args::Healthcheck { kind, command } => {
            push(&file.arg_value(ins, kind));
            dump_args(file, ins, command, s);
        }
        Args::Onbuild(inner) => {
            s.push_str(" (");
            s.push_str(&dump_instruction(file, inner));
            s.push(')');
        }
    }
}

/// Go's `strings.ToLower`: rune by rune with the simple case mapping (no final sigma, and
/// U+0130 becomes a plain `i`).
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                return 'i';
            }
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}
