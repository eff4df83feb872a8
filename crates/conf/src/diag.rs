//! Diagnostics: `file:line:col: error: message`, the source line and a
//! caret under the offending token, optional `= note:` / `= help:` lines.

use std::fmt::Write as _;

pub use crate::source::Sources;
pub use crate::span::Span;

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Severity {
    /// the configuration is invalid
    Error,
    /// accepted, but something was changed or ignored
    Warning,
}

impl Severity {
    /// `error` / `warning`
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
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
    /// `note:` line (background, e.g. what keepalived does)
    pub note: Option<String>,
    /// `help:` line (e.g. "did you mean `virtual_ipaddress`?")
    pub help: Option<String>,
    /// the suggested replacement keyword, when there is one
    pub suggestion: Option<String>,
    /// an unknown keyword: an error for `check`, a warning at run time
    pub unknown_keyword: bool,
    /// an invalid value keepalived 2.2.7 reports and then runs with a
    /// fallback (a default, the value clamped, the item ignored), which the
    /// model holds too: an error for `check` (keepalived -t exits 5), a
    /// warning when the daemon starts (it runs, as keepalived's does), an
    /// error on reload (a bad configuration on reload changes nothing)
    pub fallback: bool,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            note: None,
            help: None,
            suggestion: None,
            unknown_keyword: false,
            fallback: false,
        }
    }

    /// An invalid value keepalived runs with a fallback: `message` says
    /// what is wrong, `instead` what is used instead (`using 100`, `VIP
    /// ignored`); the text ends `…: using 100, as keepalived does`.
    pub fn fallback(span: Option<Span>, message: impl Into<String>, instead: &str) -> Self {
        let mut d = Diagnostic::error(span, message);
        d.mark_fallback(instead);
        d
    }

    /// Make this error a fallback one (see [`Diagnostic::fallback`]).
    pub fn mark_fallback(&mut self, instead: &str) {
        if self.fallback || self.unknown_keyword {
            return;
        }
        self.fallback = true;
        if !instead.is_empty() {
            self.message = format!("{}: {instead}, as keepalived does", self.message);
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// An unknown keyword, with a "did you mean" when one is close.
    pub fn unknown_keyword(span: Span, word: &str, context: &str, known: &[&str]) -> Self {
        let mut d = Diagnostic::error(Some(span), format!("unknown keyword `{word}` in {context}"));
        d.unknown_keyword = true;
        if let Some(s) = suggest(word, known) {
            d.help = Some(format!("did you mean `{s}`?"));
            d.suggestion = Some(s.to_string());
        }
        d
    }

    /// Add a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Is this an error for `keepvip check` (`strict`) or at run time?
    pub fn is_error(&self, strict: bool) -> bool {
        if self.unknown_keyword || self.fallback {
            strict
        } else {
            self.severity == Severity::Error
        }
    }

    /// Is this an error when the daemon reloads? Fallback values are (the
    /// running configuration is kept); unknown keywords are not.
    pub fn is_reload_error(&self) -> bool {
        self.fallback || self.is_error(false)
    }

    /// Render with the severity this diagnostic has.
    pub fn render(&self, sources: &Sources) -> String {
        self.render_as(self.severity, sources)
    }

    /// One line for a log: `file:line:col: warning: message (note: …;
    /// help: …)`. A syslog record per line would split the source excerpt
    /// of [`Diagnostic::render`] into records without context.
    pub fn render_line(&self, sources: &Sources) -> String {
        self.render_line_as(self.severity, sources)
    }

    /// [`Diagnostic::render_line`] with this severity.
    pub fn render_line_as(&self, severity: Severity, sources: &Sources) -> String {
        let sev = severity.as_str();
        let mut out = match self.span.and_then(|s| sources.path(s.file).map(|p| (s, p))) {
            Some((s, path)) => format!(
                "{}:{}:{}: {sev}: {}",
                path.display(),
                s.line,
                s.col,
                self.message
            ),
            None => format!("{sev}: {}", self.message),
        };
        let extra: Vec<String> = [("note", &self.note), ("help", &self.help)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
            .collect();
        if !extra.is_empty() {
            let _ = write!(out, " ({})", extra.join("; "));
        }
        out
    }

    /// `file:line:col: error: message`, the source line with a caret under
    /// the span, then the note and help lines.
    pub fn render_as(&self, severity: Severity, sources: &Sources) -> String {
        let mut out = String::new();
        let sev = severity.as_str();
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
                    let blank = " ".repeat(gutter.len());
                    let _ = writeln!(out, "{blank} |");
                    let _ = writeln!(out, "{gutter} | {text}");
                    let pad: String = text
                        .chars()
                        .take(s.col.saturating_sub(1) as usize)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let avail = text.chars().count().saturating_sub(pad.chars().count());
                    let carets = (s.len as usize).min(avail.max(1)).max(1);
                    let _ = writeln!(out, "{blank} | {pad}{}", "^".repeat(carets));
                }
            }
            None => {
                let _ = writeln!(out, "{sev}: {}", self.message);
            }
        }
        if let Some(n) = &self.note {
            let _ = writeln!(out, "  = note: {n}");
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

/// The closest known keyword, if close enough to be a typo: an edit
/// distance of at most 2 (or a fifth of the keyword's length), compared
/// case-insensitively.
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    if word.is_empty() || word.chars().count() > 64 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, k)| *d > 0 || lower != word && lower == *k)
        .filter(|(d, k)| *d <= 2.max(k.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let known = ["virtual_ipaddress", "virtual_router_id", "priority"];
        assert_eq!(
            suggest("virtual_ipadress", &known),
            Some("virtual_ipaddress")
        );
        assert_eq!(suggest("priorty", &known), Some("priority"));
        assert_eq!(suggest("PRIORITY", &known), Some("priority"));
        assert_eq!(suggest("banana", &known), None);
        assert_eq!(suggest("", &known), None);
    }

    #[test]
    fn render_with_caret() {
        let mut s = Sources::default();
        let f = s.add("k.conf".into(), "a\n  priorty 5\n".into());
        let d = Diagnostic::unknown_keyword(
            Span::new(f, 2, 3, 7),
            "priorty",
            "vrrp_instance",
            &["priority"],
        );
        let r = d.render(&s);
        assert_eq!(
            r,
            "k.conf:2:3: error: unknown keyword `priorty` in vrrp_instance\n  |\n2 |   priorty 5\n  |   ^^^^^^^\n  = help: did you mean `priority`?\n"
        );
        // for a log: one line
        assert_eq!(
            d.render_line(&s),
            "k.conf:2:3: error: unknown keyword `priorty` in vrrp_instance (help: did you mean `priority`?)"
        );
    }
}
