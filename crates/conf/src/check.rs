//! `keepvip check` / `keepvip -t`: print every diagnostic rustc-style
//! and return keepalived's exit status.
//!
//! Exit codes: 0 valid (warnings never fail a check), 5 configuration
//! errors (keepalived 2.2.7's `-t` exits 5 too), 1 when the main file
//! cannot be read (keepalived 2.2.7 exits 0 there, which hides a typo in
//! the path).

use std::io::Write;
use std::path::PathBuf;

use crate::{load_for_check, Diagnostic, LoadOptions, Severity, Sources};

/// keepalived 2.2.7 exits 5 on configuration errors; scripts test for it.
pub const EXIT_CONFIG_ERROR: i32 = 5;
/// The main file could not be read (keepalived exits 0 here, hiding it).
pub const EXIT_UNREADABLE: i32 = 1;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// the configuration file
    pub path: PathBuf,
    /// `-i`
    pub config_id: Option<String>,
    /// print the resolved configuration as JSON
    pub dump: bool,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Render diagnostics as `keepvip check` prints them (unknown keywords
/// are errors), then a summary line: `keepvip check: 2 errors, 1 warning`
/// or `keepvip check: configuration OK` (with the warning count if any).
pub fn render(diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    let mut errors = 0;
    for d in diags {
        let sev = if d.is_error(true) {
            errors += 1;
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push_str(&d.render_as(sev, sources));
    }
    let warnings = diags.len() - errors;
    if errors > 0 {
        out.push_str(&format!(
            "keepvip check: {}, {}\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        ));
    } else if warnings > 0 {
        out.push_str(&format!(
            "keepvip check: configuration OK ({})\n",
            plural(warnings, "warning")
        ));
    } else {
        out.push_str("keepvip check: configuration OK\n");
    }
    out
}

/// Run the check: diagnostics and the summary to stderr, the resolved
/// configuration (with `dump`) as JSON to stdout. Returns the exit code.
pub fn run(opts: &CheckOptions) -> i32 {
    let mut err = std::io::stderr().lock();
    let loaded = match load_for_check(
        &opts.path,
        &LoadOptions {
            config_id: opts.config_id.clone(),
            check_interfaces: true,
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            let _ = writeln!(err, "keepvip check: cannot read the configuration");
            return EXIT_UNREADABLE;
        }
    };
    let _ = write!(err, "{}", render(&loaded.diagnostics, &loaded.sources));
    if opts.dump {
        match serde_json::to_string_pretty(&loaded.config) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                let _ = writeln!(err, "error: cannot render the configuration: {e}");
            }
        }
    }
    if loaded.error_count(true) > 0 {
        EXIT_CONFIG_ERROR
    } else {
        0
    }
}
