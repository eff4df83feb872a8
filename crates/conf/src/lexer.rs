//! keepalived's preprocessor and lexer: comments (`#`, `!`), quotes,
//! `include` with globs, `@ID` / `@^ID` line conditionals, `$NAME=value`
//! definitions (multi-line with `\`), `${NAME}` / `$NAME` expansion and
//! `~SEQ(name, start, step, end)` line repetition. Produces tokens that keep
//! their file, line and column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Sources, Span};

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// a word or quoted string
    Word(String),
    /// `{`
    Open,
    /// `}`
    Close,
    /// end of a logical line
    Newline,
}

/// A token with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// what
    pub tok: Tok,
    /// where
    pub span: Span,
}

const MAX_INCLUDE_DEPTH: usize = 16;
const MAX_SEQ_LINES: i64 = 100_000;

/// The preprocessor's state across files.
pub struct Lexer<'a> {
    /// files read
    pub sources: &'a mut Sources,
    /// diagnostics
    pub diags: Vec<Diagnostic>,
    /// output
    pub tokens: Vec<Token>,
    config_id: String,
    defs: HashMap<String, String>,
    depth: usize,
    /// read files from disk (false for fuzzing / parse_str)
    pub allow_includes: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer for config id `config_id` (`-i`, default the short hostname).
    pub fn new(sources: &'a mut Sources, config_id: &str) -> Self {
        Lexer {
            sources,
            diags: Vec::new(),
            tokens: Vec::new(),
            config_id: config_id.to_string(),
            defs: HashMap::new(),
            depth: 0,
            allow_includes: true,
        }
    }

    /// Lex a file from disk.
    pub fn file(&mut self, path: &Path, from: Option<Span>) -> bool {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                self.text(path.to_path_buf(), text);
                true
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    from,
                    format!("cannot read {}: {e}", path.display()),
                ));
                false
            }
        }
    }

    /// Lex text (registered under `path`).
    pub fn text(&mut self, path: PathBuf, text: String) {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = self.sources.add(path, text.clone());
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line_no = i as u32 + 1;
            let mut line = lines[i].to_string();
            i += 1;
            // a definition may continue over lines ending in `\`
            if line.trim_start().starts_with('$') && line.contains('=') {
                while line.ends_with('\\') && i < lines.len() {
                    line.pop();
                    line.push('\n');
                    line.push_str(lines[i]);
                    i += 1;
                }
            }
            self.line(file, line_no, &line, &dir);
        }
    }

    fn line(&mut self, file: u32, line_no: u32, raw: &str, dir: &Path) {
        // @ID / @^ID conditionals
        let mut text = raw;
        let mut offset = 0usize;
        let trimmed = text.trim_start();
        if let Some(rest) = trimmed.strip_prefix('@') {
            let (neg, rest) = match rest.strip_prefix('^') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let id_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let id = &rest[..id_len];
            if (id == self.config_id) == neg {
                return;
            }
            let skip = text.len() - rest.len() + id_len;
            offset = skip;
            text = &text[skip..];
        }
        // $NAME=value definitions
        let t = text.trim_start();
        if let Some(def) = t.strip_prefix('$') {
            if let Some(eq) = def.find('=') {
                let name = def[..eq].trim();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    let value = def[eq + 1..].trim().to_string();
                    self.defs.insert(name.to_string(), value);
                    return;
                }
            }
        }
        let expanded = self.expand(text);
        // a multi-line definition expands into several lines
        if expanded.contains('\n') {
            for part in expanded.split('\n') {
                self.tokenize(file, line_no, part, offset, dir);
            }
            return;
        }
        // ~SEQ(name, start, [step,] end) repeats the line
        if let Some(pos) = expanded.find("~SEQ(") {
            if let Some(end) = expanded[pos..].find(')') {
                let inner = &expanded[pos + 5..pos + end];
                let rest = format!("{}{}", &expanded[..pos], &expanded[pos + end + 1..]);
                let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
                let nums: Vec<i64> = parts
                    .iter()
                    .skip(1)
                    .filter_map(|p| p.parse().ok())
                    .collect();
                let (start, step, stop) = match nums.as_slice() {
                    [e] => (1, 1, *e),
                    [s, e] => (*s, 1, *e),
                    [s, st, e] => (*s, *st, *e),
                    _ => {
                        self.diags.push(Diagnostic::error(
                            Some(Span {
                                file,
                                line: line_no,
                                col: pos as u32 + 1,
                                len: end as u32 + 1,
                            }),
                            "~SEQ needs (name, [start, [step,]] end)",
                        ));
                        return;
                    }
                };
                if step == 0 || (stop - start) / step > MAX_SEQ_LINES {
                    self.diags.push(Diagnostic::error(
                        Some(Span {
                            file,
                            line: line_no,
                            col: pos as u32 + 1,
                            len: end as u32 + 1,
                        }),
                        "~SEQ step is zero or the sequence is too long",
                    ));
                    return;
                }
                let name = parts.first().copied().unwrap_or("").to_string();
                let mut v = start;
                while (step > 0 && v <= stop) || (step < 0 && v >= stop) {
                    self.defs.insert(name.clone(), v.to_string());
                    let line = self.expand(&rest);
                    self.tokenize(file, line_no, &line, offset, dir);
                    v += step;
                }
                return;
            }
        }
        self.tokenize(file, line_no, &expanded, offset, dir);
    }

    /// `${NAME}` and `$NAME` expansion (unknown names stay as written).
    fn expand(&self, text: &str) -> String {
        if !text.contains('$') {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '$' {
                if chars.get(i + 1) == Some(&'{') {
                    if let Some(close) = chars[i + 2..].iter().position(|c| *c == '}') {
                        let name: String = chars[i + 2..i + 2 + close].iter().collect();
                        if let Some(v) = self.defs.get(&name) {
                            out.push_str(v);
                            i += close + 3;
                            continue;
                        }
                    }
                } else {
                    let name: String = chars[i + 1..]
                        .iter()
                        .take_while(|c| c.is_alphanumeric() || **c == '_')
                        .collect();
                    if let Some(v) = self.defs.get(&name) {
                        out.push_str(v);
                        i += name.chars().count() + 1;
                        continue;
                    }
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }

    fn tokenize(&mut self, file: u32, line_no: u32, text: &str, offset: usize, dir: &Path) {
        let start_len = self.tokens.len();
        let chars: Vec<char> = text.chars().collect();
        let col0 = text_col(offset);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let span = |start: usize, len: usize| Span {
                file,
                line: line_no,
                col: (col0 + start) as u32,
                len: len as u32,
            };
            match c {
                '#' | '!' => break,
                c if c.is_whitespace() => i += 1,
                '{' => {
                    self.tokens.push(Token {
                        tok: Tok::Open,
                        span: span(i, 1),
                    });
                    i += 1;
                }
                '}' => {
                    self.tokens.push(Token {
                        tok: Tok::Close,
                        span: span(i, 1),
                    });
                    i += 1;
                }
                '"' | '\'' => {
                    let start = i;
                    i += 1;
                    let mut s = String::new();
                    while i < chars.len() && chars[i] != c {
                        if chars[i] == '\\' && c == '"' && i + 1 < chars.len() {
                            i += 1;
                        }
                        s.push(chars[i]);
                        i += 1;
                    }
                    if i >= chars.len() {
                        self.diags.push(Diagnostic::error(
                            Some(span(start, 1)),
                            "unterminated quoted string",
                        ));
                    }
                    i += 1;
                    self.tokens.push(Token {
                        tok: Tok::Word(s),
                        span: span(start, i.min(chars.len()) - start),
                    });
                }
                _ => {
                    let start = i;
                    while i < chars.len()
                        && !chars[i].is_whitespace()
                        && !matches!(chars[i], '{' | '}' | '"' | '\'')
                    {
                        if matches!(chars[i], '#' | '!')
                            && i > start
                            && chars[i - 1].is_whitespace()
                        {
                            break;
                        }
                        i += 1;
                    }
                    let w: String = chars[start..i].iter().collect();
                    self.tokens.push(Token {
                        tok: Tok::Word(w),
                        span: span(start, i - start),
                    });
                }
            }
        }
        // `include PATTERN` is handled here, so included tokens take its place
        if self.tokens.len() > start_len {
            if let Tok::Word(w) = &self.tokens[start_len].tok {
                if w == "include" {
                    let inc: Vec<Token> = self.tokens.drain(start_len..).collect();
                    self.include(&inc, dir);
                    return;
                }
            }
            let span = self.tokens[self.tokens.len() - 1].span;
            self.tokens.push(Token {
                tok: Tok::Newline,
                span,
            });
        }
    }

    fn include(&mut self, toks: &[Token], dir: &Path) {
        let at = toks[0].span;
        let Some(Token {
            tok: Tok::Word(pattern),
            span,
        }) = toks.get(1)
        else {
            self.diags.push(Diagnostic::error(
                Some(at),
                "include needs a file name or pattern",
            ));
            return;
        };
        if !self.allow_includes {
            return;
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            self.diags.push(Diagnostic::error(
                Some(*span),
                "includes nested too deeply (a loop?)",
            ));
            return;
        }
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            dir.join(pattern)
        };
        let mut paths: Vec<PathBuf> = match glob::glob(&full.to_string_lossy()) {
            Ok(it) => it.filter_map(Result::ok).collect(),
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    Some(*span),
                    format!("bad include pattern: {e}"),
                ));
                return;
            }
        };
        paths.sort();
        if paths.is_empty() {
            // keepalived: a pattern that matches nothing is only reported
            self.diags.push(Diagnostic::warning(
                Some(*span),
                format!("include {}: no file matches", full.display()),
            ));
        }
        self.depth += 1;
        for p in paths {
            self.file(&p, Some(*span));
        }
        self.depth -= 1;
    }
}

fn text_col(offset_bytes: usize) -> usize {
    offset_bytes + 1
}
