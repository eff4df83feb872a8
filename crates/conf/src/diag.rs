//! Source files, spans and diagnostics (`file:line:col: error: message`,
//! the source line and a caret under the offending token).

use std::fmt::Write as _;
use std::path::PathBuf;

/// Where a token came from. Lines and columns are 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    /// index into [`Sources`]
    pub file: u32,
    /// line
    pub line: u32,
    /// column (characters)
    pub col: u32,
    /// length in characters (at least 1 when rendered)
    pub len: u32,
}

/// Every file read, so diagnostics can quote their lines.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<(PathBuf, String)>,
}

impl Sources {
    /// Register a file's text; returns its index.
    pub fn add(&mut self, path: PathBuf, text: String) -> u32 {
        self.files.push((path, text));
        self.files.len() as u32 - 1
    }

    /// Path of file `i`.
    pub fn path(&self, i: u32) -> Option<&std::path::Path> {
        self.files.get(i as usize).map(|(p, _)| p.as_path())
    }

    /// A line of a file.
    pub fn line(&self, file: u32, line: u32) -> Option<&str> {
        let (_, text) = self.files.get(file as usize)?;
        text.lines().nth(line.checked_sub(1)? as usize)
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Severity {
    /// the configuration is invalid
    Error,
    /// accepted, but something was changed or ignored
    Warning,
}

/// One message about the configuration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// error or warning
    pub severity: Severity,
    /// the message
    pub message: String,
    /// where (None: not tied to a token)
    pub span: Option<Span>,
    /// `help:` line (e.g. "did you mean `virtual_ipaddress`?")
    pub help: Option<String>,
    /// an unknown keyword: an error for `check`, a warning at run time
    pub unknown_keyword: bool,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            help: None,
            unknown_keyword: false,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Add a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col: error: message` with the source line and a caret.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.span.and_then(|s| sources.path(s.file).map(|p| (s, p))) {
            Some((s, path)) => {
                let _ = writeln!(
                    out,
                    "{}:{}:{}: {sev}: {}",
                    path.display(),
                    s.line,
                    s.col,
                    self.message
                );
                if let Some(text) = sources.line(s.file, s.line) {
                    let gutter = s.line.to_string();
                    let _ = writeln!(out, "{} |", " ".repeat(gutter.len()));
                    let _ = writeln!(out, "{gutter} | {text}");
                    let pad: String = text
                        .chars()
                        .take(s.col.saturating_sub(1) as usize)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let _ = writeln!(
                        out,
                        "{} | {pad}{}",
                        " ".repeat(gutter.len()),
                        "^".repeat(s.len.max(1) as usize)
                    );
                }
            }
            None => {
                let _ = writeln!(out, "{sev}: {}", self.message);
            }
        }
        if let Some(h) = &self.help {
            let _ = writeln!(out, "  = help: {h}");
        }
        out
    }
}

/// Levenshtein distance, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest known keyword, if close enough to be a typo.
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
