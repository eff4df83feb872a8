//! `keepvip check` / `keepvip -t`: print every diagnostic rustc-style and
//! return keepalived's exit status.

use std::io::Write;
use std::path::PathBuf;

use crate::{load, LoadOptions, Severity};

/// keepalived 2.2.7 exits 5 on configuration errors; scripts test for it.
pub const EXIT_CONFIG_ERROR: i32 = 5;
/// The main file could not be read (keepalived exits 0 here, hiding it).
pub const EXIT_UNREADABLE: i32 = 6;

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

/// Run the check, printing to stdout (dump) and stderr (diagnostics).
pub fn run(opts: &CheckOptions) -> i32 {
    let mut err = std::io::stderr().lock();
    let loaded = match load(
        &opts.path,
        &LoadOptions {
            config_id: opts.config_id.clone(),
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_UNREADABLE;
        }
    };
    let _ = write!(err, "{}", loaded.render());
    let errors = loaded.error_count(true);
    let warnings = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if opts.dump {
        match serde_json::to_string_pretty(&loaded.config) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                let _ = writeln!(err, "error: cannot render the configuration: {e}");
            }
        }
    }
    if errors > 0 {
        let _ = writeln!(
            err,
            "keepvip check: {}: {errors} error(s), {warnings} warning(s)",
            opts.path.display()
        );
        EXIT_CONFIG_ERROR
    } else {
        let _ = writeln!(
            err,
            "keepvip check: {}: configuration OK ({} instance(s), {warnings} warning(s))",
            opts.path.display(),
            loaded.config.router.instances.len()
        );
        0
    }
}
