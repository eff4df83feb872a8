//! keepvip-conf: reads keepalived.conf (the VRRP side).
//!
//! preprocess + lex (`lexer`) → statement tree (`tree`) → typed model with
//! keepalived's defaults and checks (`model`) → proto's `RouterConfig`.
//! Every diagnostic carries file, line and column (`diag`).

pub mod check;
pub mod diag;
pub mod lexer;
pub mod model;
pub mod tree;

use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Severity, Sources, Span};
pub use model::Config;

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-i ID` for `@ID` lines (default: the short hostname)
    pub config_id: Option<String>,
}

/// The result of reading a configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// the model (also when there are errors, as far as it goes)
    pub config: Config,
    /// every message
    pub diagnostics: Vec<Diagnostic>,
    /// the files read, for rendering
    pub sources: Sources,
}

impl Loaded {
    /// Errors, counting unknown keywords as errors when `strict` (check) and
    /// as warnings otherwise (run time, like keepalived).
    pub fn error_count(&self, strict: bool) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error && (strict || !d.unknown_keyword))
            .count()
    }

    /// Render every diagnostic.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.sources))
            .collect()
    }
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// the main file could not be read
    #[error("cannot read {path}: {source}")]
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

/// Read and check `path` (with its includes).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, Fatal> {
    let text = std::fs::read_to_string(path).map_err(|source| Fatal::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let id = opts.config_id.clone().unwrap_or_else(short_hostname);
    Ok(build(path.to_path_buf(), text, &id, true))
}

/// Parse text without touching the filesystem (`include` is ignored):
/// for tests and fuzzing.
pub fn parse_str(text: &str) -> Loaded {
    build(PathBuf::from("<input>"), text.to_string(), "", false)
}

fn build(path: PathBuf, text: String, id: &str, includes: bool) -> Loaded {
    let mut sources = Sources::default();
    let (tokens, mut diagnostics) = {
        let mut lx = lexer::Lexer::new(&mut sources, id);
        lx.allow_includes = includes;
        lx.text(path, text);
        (
            std::mem::take(&mut lx.tokens),
            std::mem::take(&mut lx.diags),
        )
    };
    let nodes = tree::parse(&tokens, &mut diagnostics);
    let config = model::Builder::new(&mut diagnostics).build(&nodes);
    Loaded {
        config,
        diagnostics,
        sources,
    }
}
