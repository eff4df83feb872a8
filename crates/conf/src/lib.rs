//! keepvip-conf: reads keepalived.conf (the VRRP side) the way keepalived
//! 2.2.x does, and tells what is wrong with it the way rustc does.
//!
//! ```text
//! files ──preprocess──▶ logical lines ──lexer──▶ tokens ──tree──▶ statements
//!   ──parse──▶ Model ──validate──▶ Model (defaults, fix-ups) ──lower──▶ Config
//!                                                          (RouterConfig + daemon side)
//! ```
//!
//! - [`preprocess`]: comments, `include` with globs, `@ID` / `@^ID`,
//!   `$NAME=value` (multi-line), `$NAME` / `${NAME}`, `~SEQ`, `~LST`;
//!   every character remembers its file, line and column ([`Span`]).
//! - [`lexer`] / [`tree`]: words, quotes, escapes, `{ }` blocks.
//! - [`parse`]: the typed [`Model`] with per-keyword checks.
//! - [`validate`]: keepalived's rules (defaults from `state`, advert_int
//!   rounding, strict mode, families, duplicate VRIDs, undefined trackers).
//! - [`lower`]: proto's `RouterConfig` and the daemon's [`Config`].
//! - [`check`]: `keepvip check` / `-t` output and exit codes.
//!
//! Unknown keywords are errors for `keepvip check` ([`load_for_check`]) and
//! warnings at run time ([`load`]), as in keepalived. So are the invalid
//! values keepalived reports and then runs with a fallback (a default, a
//! clamped value, the item ignored; [`Diagnostic::fallback`]): the model
//! holds keepalived's fallback, `check` fails as `keepalived -t` does, the
//! daemon starts with a warning, and a reload refuses them
//! ([`Loaded::reload_error_count`]). Nothing here panics
//! on any input.

pub mod check;
pub mod diag;
pub mod keywords;
pub mod lexer;
pub mod lower;
pub mod model;
pub mod parse;
pub mod preprocess;
pub mod source;
pub mod span;
pub mod tree;
pub mod validate;

use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Severity};
pub use lower::{Config, DaemonConfig};
pub use model::Model;
pub use source::Sources;
pub use span::Span;
pub use validate::Host;

use keepvip_proto::RouterConfig;

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-i ID` for `@ID` lines (default: the short hostname)
    pub config_id: Option<String>,
    /// warn about configured interfaces this machine (network namespace)
    /// does not have: `keepvip check` on the machine it is for
    pub check_interfaces: bool,
}

/// The result of reading a configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// the resolved configuration: `config.router` is proto's
    /// `RouterConfig`, the rest is for the daemon (also when there are
    /// errors, as far as it goes)
    pub config: Config,
    /// the model as written (after validation)
    pub model: Model,
    /// every message, in file order
    pub diagnostics: Vec<Diagnostic>,
    /// the files read, for rendering
    pub sources: Sources,
    /// read for `keepvip check`: unknown keywords are errors
    pub strict: bool,
}

impl Loaded {
    /// Errors, counting unknown keywords as errors when `strict` (check) and
    /// as warnings otherwise (run time, like keepalived).
    pub fn error_count(&self, strict: bool) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error(strict))
            .count()
    }

    /// Errors for a reload (SIGHUP): those of the run time and the values
    /// keepalived runs with a fallback, which the daemon ran with when it
    /// started but refuses on reload (the running configuration stays).
    pub fn reload_error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.is_reload_error())
            .count()
    }

    /// Warnings (the complement of [`Loaded::error_count`]).
    pub fn warning_count(&self, strict: bool) -> usize {
        self.diagnostics.len() - self.error_count(strict)
    }

    /// Is the configuration usable at run time (no errors other than
    /// unknown keywords)?
    pub fn is_ok(&self) -> bool {
        self.error_count(false) == 0
    }

    /// What the protocol core runs.
    pub fn router(&self) -> &RouterConfig {
        &self.config.router
    }

    /// The daemon-side configuration.
    pub fn daemon(&self) -> &DaemonConfig {
        &self.config
    }

    /// Render every diagnostic (unknown keywords as errors when read for
    /// check, as warnings otherwise), without a summary line.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| {
                let sev = if d.is_error(self.strict) {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                d.render_as(sev, &self.sources)
            })
            .collect()
    }
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// the main file could not be read
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// the file
        path: PathBuf,
        /// the OS error
        #[source]
        source: std::io::Error,
    },
}

/// The short hostname (keepalived's default config id).
pub fn short_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).into_owned();
    name.split('.').next().unwrap_or("").to_string()
}

fn read_main(path: &Path) -> Result<String, Fatal> {
    let bytes = std::fs::read(path).map_err(|source| Fatal::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Read and check `path` with its includes, for the daemon: unknown
/// keywords are warnings (keepalived runs with them too).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, Fatal> {
    let text = read_main(path)?;
    let id = opts.config_id.clone().unwrap_or_else(short_hostname);
    Ok(build(
        path.to_path_buf(),
        text,
        &id,
        true,
        false,
        &Host::this(),
    ))
}

/// Read and check `path` with its includes, for `keepvip check`: unknown
/// keywords are errors.
pub fn load_for_check(path: &Path, opts: &LoadOptions) -> Result<Loaded, Fatal> {
    let text = read_main(path)?;
    let id = opts.config_id.clone().unwrap_or_else(short_hostname);
    Ok(build(
        path.to_path_buf(),
        text,
        &id,
        true,
        true,
        &if opts.check_interfaces {
            Host::this_for_check()
        } else {
            Host::this()
        },
    ))
}

/// Parse text without touching the filesystem (`include` lines are
/// ignored, the config id is empty): for tests and fuzzing. Unknown
/// keywords count as errors (check semantics). The host is taken to have
/// the user `keepalived_script`.
pub fn parse_str(text: &str) -> Loaded {
    parse_str_for_host(text, &ANY_HOST)
}

/// [`parse_str`] for a host with these facts.
pub fn parse_str_for_host(text: &str, host: &Host) -> Loaded {
    build(
        PathBuf::from("<input>"),
        text.to_string(),
        "",
        false,
        true,
        host,
    )
}

/// The host [`parse_str`] assumes: one that runs every script.
const ANY_HOST: Host = Host {
    default_script_user_exists: Some(true),
    interfaces: None,
    script_user_exists: Some(true),
};

/// [`parse_str`] with a config id for `@ID` lines.
pub fn parse_str_with_id(text: &str, config_id: &str) -> Loaded {
    build(
        PathBuf::from("<input>"),
        text.to_string(),
        config_id,
        false,
        true,
        &ANY_HOST,
    )
}

fn build(
    path: PathBuf,
    text: String,
    id: &str,
    includes: bool,
    strict: bool,
    host: &Host,
) -> Loaded {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let lines = {
        let mut pp = preprocess::Preprocessor::new(&mut sources, &mut diagnostics, id);
        if !includes {
            pp = pp.without_includes();
        }
        pp.text(path, text);
        std::mem::take(&mut pp.lines)
    };
    let tokens = lexer::lex(&lines, &mut diagnostics);
    let nodes = tree::parse(&tokens, &mut diagnostics);
    let mut model = parse::build(&nodes, &mut diagnostics);
    validate::validate(&mut model, host, &mut diagnostics);
    let config = lower::lower(&model);
    for d in &mut diagnostics {
        if d.unknown_keyword || d.fallback {
            d.severity = if strict {
                Severity::Error
            } else {
                Severity::Warning
            };
        }
    }
    // file order; messages without a place last
    diagnostics.sort_by_key(|d| match d.span {
        Some(s) => (0, s.file, s.line, s.col),
        None => (1, 0, 0, 0),
    });
    Loaded {
        config,
        model,
        diagnostics,
        sources,
        strict,
    }
}
