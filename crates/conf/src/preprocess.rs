//! keepalived 2.2.x's line preprocessor (`lib/parser.c`: `read_line`,
//! `decomment`, `replace_param`, `add_seq`, `add_lst`, `check_include`).
//!
//! Turns files into logical lines, each character of which remembers where
//! it came from:
//!
//! - comments: `#` or `!` outside `"…"` ends the line (anywhere, even in
//!   the middle of a word); `\#` and `\!` are a literal `#` / `!`;
//! - `@ID line` keeps the line only when ID is the config id (`-i`,
//!   default the short hostname); `@^ID line` only when it is not;
//! - `$NAME=value` defines; a value ending in `\` continues on the next
//!   lines (a multi-line definition expands into several lines, and only
//!   when its reference ends the line);
//! - `$NAME` (followed by a blank, `,`, `)` or the end of the line) and
//!   `${NAME}` anywhere are replaced, repeatedly; unknown names stay;
//!   built-ins `$_PWD`, `$_INSTANCE`, `${_RANDOM [MIN MAX]}`, `$_HASH`,
//!   `$_BANG`;
//! - `~SEQ(var, [start, [step,]] end) text` (and `~SEQx` for hex) repeats
//!   `text` with `$var` set to each value; `~LST(var, a, b, …) text` and
//!   `~LST({v1,v2}, {a,b}, …) text` repeat it over lists;
//! - `include PATTERN` (and `includer/m/w/b/a`) reads the files matching
//!   the glob (with `{a,b}` alternatives), relative to the directory of the
//!   file that includes them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Sources, Span};

/// How deep includes may nest (keepalived has no limit and follows an
/// include loop until it runs out of file descriptors).
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Lines one `~SEQ` / `~LST` may produce.
pub const MAX_SEQ_LINES: i64 = 100_000;
/// Longest logical line after expansion (keepalived: MAXBUF, 1024 bytes,
/// reports "would exceed maximum line length"; we allow more).
pub const MAX_LINE_LEN: usize = 65_536;
/// Replacements on one line before we call it a recursive definition.
const MAX_REPLACEMENTS: usize = 1_000;
/// Logical lines and characters one configuration may expand to (nested
/// `~SEQ`s multiply): beyond this, expansion stops with an error.
pub const MAX_TOTAL_LINES: usize = 200_000;
/// See [`MAX_TOTAL_LINES`].
pub const MAX_TOTAL_CHARS: usize = 4_000_000;

/// A logical line: characters and, for each, where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// the text
    pub chars: Vec<char>,
    /// the origin of each character (same length as `chars`)
    pub spans: Vec<Span>,
    /// the start of the physical line this came from
    pub at: Span,
}

impl Line {
    fn from_source(file: u32, line: u32, text: &str) -> Line {
        let chars: Vec<char> = text.chars().collect();
        let spans = (0..chars.len())
            .map(|i| Span::new(file, line, u32::try_from(i + 1).unwrap_or(u32::MAX), 1))
            .collect();
        Line {
            chars,
            spans,
            at: Span::new(file, line, 1, 1),
        }
    }

    fn from_str_at(text: &str, span: Span, at: Span) -> Line {
        let chars: Vec<char> = text.chars().collect();
        let spans = vec![span; chars.len()];
        Line { chars, spans, at }
    }

    /// The text as a string.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    fn starts_with(&self, s: &str) -> bool {
        let mut it = self.chars.iter();
        s.chars().all(|c| it.next() == Some(&c))
    }

    fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// The span covering characters `start..end` (clamped).
    pub fn span(&self, start: usize, end: usize) -> Span {
        if self.spans.is_empty() {
            return self.at;
        }
        let s = start.min(self.spans.len() - 1);
        let e = end.max(start + 1).min(self.spans.len()) - 1;
        self.spans[s].to(self.spans[e.max(s)])
    }

    fn remove_range(&mut self, start: usize, end: usize) {
        self.chars.drain(start..end);
        self.spans.drain(start..end);
    }

    fn truncate(&mut self, len: usize) {
        self.chars.truncate(len);
        self.spans.truncate(len);
    }

    fn trim_start(&mut self) {
        let n = self
            .chars
            .iter()
            .take_while(|c| **c == ' ' || **c == '\t')
            .count();
        self.remove_range(0, n);
    }

    fn trim_end(&mut self) {
        while matches!(self.chars.last(), Some(' ' | '\t')) {
            self.chars.pop();
            self.spans.pop();
        }
    }

    fn tail(&self, from: usize) -> Line {
        let from = from.min(self.chars.len());
        Line {
            chars: self.chars[from..].to_vec(),
            spans: self.spans[from..].to_vec(),
            at: self.at,
        }
    }
}

#[derive(Debug, Clone)]
enum Builtin {
    Pwd,
    Instance,
    Random,
}

#[derive(Debug, Clone)]
struct Def {
    /// the value; a multi-line value has its lines separated by '\n'
    value: String,
    multiline: bool,
    builtin: Option<Builtin>,
}

/// Which include problems are errors (keepalived's `include_t` bits).
#[derive(Debug, Clone, Copy, Default)]
struct IncludeCheck {
    read: bool,
    missing: bool,
    wildcard: bool,
}

/// The preprocessor's state across files.
pub struct Preprocessor<'a> {
    sources: &'a mut Sources,
    diags: &'a mut Vec<Diagnostic>,
    config_id: String,
    defs: HashMap<String, Def>,
    /// a multi-line definition being read
    multiline: Option<String>,
    depth: usize,
    stack: Vec<PathBuf>,
    allow_includes: bool,
    rng: u64,
    /// characters produced so far
    produced_chars: usize,
    /// the expansion budget ran out (reported once)
    exhausted: bool,
    /// the logical lines, in order
    pub lines: Vec<Line>,
}

impl<'a> Preprocessor<'a> {
    /// A preprocessor for config id `config_id`.
    pub fn new(sources: &'a mut Sources, diags: &'a mut Vec<Diagnostic>, config_id: &str) -> Self {
        let mut defs = HashMap::new();
        let b = |value: &str, builtin| Def {
            value: value.to_string(),
            multiline: false,
            builtin,
        };
        defs.insert("_PWD".to_string(), b("", Some(Builtin::Pwd)));
        defs.insert("_INSTANCE".to_string(), b("", Some(Builtin::Instance)));
        defs.insert("_RANDOM".to_string(), b("", Some(Builtin::Random)));
        defs.insert("_HASH".to_string(), b("#", None));
        defs.insert("_BANG".to_string(), b("!", None));
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
        Preprocessor {
            sources,
            diags,
            config_id: config_id.to_string(),
            defs,
            multiline: None,
            depth: 0,
            stack: Vec::new(),
            allow_includes: true,
            rng: seed,
            produced_chars: 0,
            exhausted: false,
            lines: Vec::new(),
        }
    }

    /// Ignore `include` lines (for [`crate::parse_str`]: no filesystem).
    pub fn without_includes(mut self) -> Self {
        self.allow_includes = false;
        self
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(span), msg));
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(Some(span), msg));
    }

    /// Preprocess text registered under `path`.
    pub fn text(&mut self, path: PathBuf, text: String) {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let file = self.sources.add(path.clone(), text);
        self.stack.push(path);
        // the text lives in `sources`; copy the lines out to satisfy the
        // borrow checker (configuration files are small)
        let lines: Vec<String> = self
            .sources
            .file(file)
            .map(|f| {
                f.text
                    .split('\n')
                    .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let n = lines.len();
        for (i, raw) in lines.into_iter().enumerate() {
            if i + 1 == n && raw.is_empty() {
                break; // the text's final newline
            }
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            self.physical(file, line_no, &raw, &dir);
        }
        // a multi-line definition ends with its file
        self.multiline = None;
        self.stack.pop();
    }

    /// One line as read from a file.
    fn physical(&mut self, file: u32, line_no: u32, raw: &str, dir: &Path) {
        if raw.is_empty() {
            // an empty line ends a multi-line definition
            if let Some(name) = self.multiline.take() {
                self.end_multiline(&name);
            }
            return;
        }
        let mut line = Line::from_source(file, line_no, raw);
        self.decomment(&mut line);
        if line.is_empty() {
            // a comment line does not end a multi-line definition
            return;
        }
        if let Some(name) = self.multiline.clone() {
            self.continue_multiline(&name, line);
            return;
        }
        self.logical(line, dir, 0);
    }

    /// keepalived's `decomment()`: strip leading blanks, comments (`#`, `!`
    /// outside double quotes), the `\` of `\#` / `\!`, trailing blanks
    /// (a trailing `\` is kept: it continues a definition).
    fn decomment(&mut self, line: &mut Line) {
        line.trim_start();
        let mut quote: Option<usize> = None;
        let mut skip: Option<usize> = None;
        let mut cont: Option<Span> = None;
        let mut i = 0;
        while i < line.len() {
            match line.chars[i] {
                '"' => {
                    if skip.is_none() {
                        quote = if quote.is_some() { None } else { Some(i) };
                    }
                    i += 1;
                }
                '\\' => {
                    if i + 1 < line.len() {
                        if quote.is_none() && matches!(line.chars[i + 1], '#' | '!') {
                            line.remove_range(i, i + 1);
                            i += 1;
                        } else {
                            i += 2;
                        }
                        continue;
                    }
                    cont = Some(line.spans[i]);
                    line.truncate(i);
                    break;
                }
                '#' | '!' if quote.is_none() && skip.is_none() => {
                    skip = Some(i);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        if let Some(q) = quote {
            let span = line.spans[q];
            self.error(span, "unterminated quoted string (missing `\"`)");
        }
        if let Some(s) = skip {
            line.truncate(s);
        }
        line.trim_end();
        if let Some(span) = cont {
            line.chars.push('\\');
            line.spans.push(span);
        }
    }

    fn continue_multiline(&mut self, name: &str, mut line: Line) {
        let more = line.chars.last() == Some(&'\\');
        if more {
            line.chars.pop();
            line.spans.pop();
            line.trim_end();
        }
        let text = line.text();
        let Some(def) = self.defs.get_mut(name) else {
            self.multiline = None;
            return;
        };
        // keepalived does not add a line holding nothing but the `\`
        if !text.is_empty() {
            def.value.push_str(&text);
            if more {
                def.value.push('\n');
            }
        }
        if !more {
            self.multiline = None;
            self.end_multiline(name);
        }
    }

    fn end_multiline(&mut self, name: &str) {
        if let Some(def) = self.defs.get_mut(name) {
            if def.value.ends_with('\n') {
                def.value.pop();
            }
            if def.value.is_empty() {
                def.multiline = false;
            }
        }
    }

    /// A logical line: `@ID`, `$NAME=`, `~SEQ`/`~LST`, expansion, include.
    fn logical(&mut self, mut line: Line, dir: &Path, nesting: usize) {
        if nesting > 64 {
            self.error(
                line.at,
                "~SEQ/~LST or multi-line definitions nested too deeply",
            );
            return;
        }
        let mut extra: Vec<Line> = Vec::new();
        loop {
            if line.starts_with("@") {
                let neg = line.chars.get(1) == Some(&'^');
                let ofs = if neg { 2 } else { 1 };
                // keepalived needs something after the id
                let Some(sp) = line.chars[ofs..]
                    .iter()
                    .position(|c| *c == ' ' || *c == '\t')
                else {
                    return;
                };
                let id: String = line.chars[ofs..ofs + sp].iter().collect();
                if (id == self.config_id) == neg {
                    return;
                }
                line.remove_range(0, ofs + sp);
                line.trim_start();
            }
            if line.starts_with("$") && self.definition(&line) {
                return;
            }
            if line.starts_with("~SEQ") || line.starts_with("~LST") {
                self.repeat(line, dir, nesting);
                return;
            }
            if line.starts_with("~") {
                break;
            }
            if !line.chars.contains(&'$') {
                break;
            }
            match self.replace_params(&mut line) {
                None => return,
                Some((false, _)) => break,
                Some((true, more)) => {
                    // lines of a multi-line definition follow this one
                    if !more.is_empty() {
                        let mut more = more;
                        more.append(&mut extra);
                        extra = more;
                    }
                    self.decomment(&mut line);
                    if !(line.starts_with("@") || line.chars.contains(&'$')) {
                        break;
                    }
                }
            }
        }
        if !line.is_empty() && !self.include(&line, dir) {
            self.push(line);
        }
        for l in extra {
            if !l.is_empty() {
                self.logical(l, dir, nesting + 1);
            }
        }
    }

    /// Keep a logical line, within the expansion budget.
    fn push(&mut self, line: Line) {
        if self.over_budget(line.at) {
            return;
        }
        self.produced_chars += line.len();
        self.lines.push(line);
    }

    /// Has the configuration grown beyond the budget? Reports it once.
    fn over_budget(&mut self, at: Span) -> bool {
        if self.lines.len() < MAX_TOTAL_LINES && self.produced_chars < MAX_TOTAL_CHARS {
            return false;
        }
        if !self.exhausted {
            self.exhausted = true;
            self.error(
                at,
                format!("the configuration expands to more than {MAX_TOTAL_LINES} lines or {MAX_TOTAL_CHARS} characters (nested ~SEQ?): the rest is ignored"),
            );
        }
        true
    }

    /// `$NAME=value` (no blank before `=`). Returns false when the line is
    /// not a definition.
    fn definition(&mut self, line: &Line) -> bool {
        let c = &line.chars;
        if c.len() < 2 || !(c[1].is_ascii_alphabetic() || c[1] == '_') {
            return false;
        }
        let mut p = 2;
        while p < c.len() && c[p] != '=' {
            if !(c[p].is_ascii_alphanumeric() || c[p] == '_') {
                return false;
            }
            p += 1;
        }
        if p >= c.len() {
            return false;
        }
        let name: String = c[1..p].iter().collect();
        let mut value: String = c[p + 1..].iter().collect();
        value = value.trim_start_matches([' ', '\t']).to_string();
        let multiline = value.ends_with('\\');
        if multiline {
            value.pop();
            value = value.trim_end_matches([' ', '\t']).to_string();
            if !value.is_empty() {
                value.push('\n');
            }
        }
        self.defs.insert(
            name.clone(),
            Def {
                value,
                multiline,
                builtin: None,
            },
        );
        if multiline {
            self.multiline = Some(name);
        }
        true
    }

    /// keepalived's `find_definition` for a reference at `start` (just
    /// after the `$`). Returns the name, the index just after the
    /// reference and the parameters of `${NAME params}`.
    fn find_reference(&self, c: &[char], start: usize) -> Option<(String, usize, Option<String>)> {
        let braces = c.get(start) == Some(&'{');
        let name_start = start + usize::from(braces);
        let first = *c.get(name_start)?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let mut p = name_start + 1;
        while p < c.len() && (c[p].is_ascii_alphanumeric() || c[p] == '_') {
            p += 1;
        }
        let name: String = c[name_start..p].iter().collect();
        let mut params = None;
        let end = if braces {
            let ps = p;
            let mut last_nonblank = None;
            while p < c.len() && (c[p] == ' ' || c[p].is_ascii_digit()) {
                if c[p] != ' ' {
                    last_nonblank = Some(p);
                }
                p += 1;
            }
            if let Some(l) = last_nonblank {
                if l + 1 != p {
                    return None;
                }
                params = Some(c[ps..p].iter().collect::<String>());
            }
            if c.get(p) != Some(&'}') {
                return None;
            }
            p + 1
        } else {
            if p < c.len() && !matches!(c[p], ' ' | '\t' | ',' | ')') {
                return None;
            }
            p
        };
        let def = self.defs.get(&name)?;
        if params.is_some() && !matches!(def.builtin, Some(Builtin::Random)) {
            return None;
        }
        // a multi-line definition only where the reference ends the line
        if def.multiline && end != c.len() {
            return None;
        }
        Some((name, end, params))
    }

    fn builtin_value(&mut self, b: &Builtin, params: Option<&str>, dir: &Path) -> String {
        match b {
            Builtin::Pwd => {
                let d = if dir.as_os_str().is_empty() {
                    std::env::current_dir().unwrap_or_default()
                } else if dir.is_absolute() {
                    dir.to_path_buf()
                } else {
                    std::env::current_dir().unwrap_or_default().join(dir)
                };
                d.display().to_string()
            }
            Builtin::Instance => self.config_id.clone(),
            Builtin::Random => {
                let mut nums = params
                    .unwrap_or("")
                    .split_whitespace()
                    .filter_map(|n| n.parse::<u64>().ok());
                let (min, max) = match (nums.next(), nums.next()) {
                    (Some(a), Some(b)) => (a, b),
                    (Some(a), None) => (a, 32767),
                    _ => (0, 32767),
                };
                // xorshift64
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                let range = max.saturating_sub(min).saturating_add(1);
                min.saturating_add(self.rng % range.max(1)).to_string()
            }
        }
    }

    /// keepalived's `replace_param`: replace every known reference,
    /// rescanning the replacement. Returns whether anything was replaced
    /// and the further lines of a multi-line definition (None: an error).
    fn replace_params(&mut self, line: &mut Line) -> Option<(bool, Vec<Line>)> {
        let dir = self
            .stack
            .last()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut cur = 0;
        let mut found = false;
        let mut count = 0;
        let mut extra = Vec::new();
        while cur < line.len() {
            let Some(off) = line.chars[cur..].iter().position(|c| *c == '$') else {
                break;
            };
            let i = cur + off;
            if i + 1 >= line.len() {
                break;
            }
            let Some((name, end, params)) = self.find_reference(&line.chars, i + 1) else {
                cur = i + 1;
                continue;
            };
            let Some(def) = self.defs.get(&name).cloned() else {
                cur = i + 1;
                continue;
            };
            let value = match &def.builtin {
                Some(b) => self.builtin_value(b, params.as_deref(), &dir),
                None => def.value.clone(),
            };
            let ref_span = line.span(i, end);
            let first = if def.multiline {
                let mut parts = value.split('\n');
                let first = parts.next().unwrap_or("").to_string();
                extra = parts
                    .map(|p| Line::from_str_at(p, ref_span, line.at))
                    .collect();
                first
            } else {
                value.clone()
            };
            let repl: Vec<char> = first.chars().collect();
            let n = repl.len();
            line.chars.splice(i..end, repl);
            line.spans.splice(i..end, std::iter::repeat_n(ref_span, n));
            found = true;
            count += 1;
            if count > MAX_REPLACEMENTS || line.len() > MAX_LINE_LEN {
                self.error(
                    ref_span,
                    format!("`${name}` expands without end (a definition that refers to itself?)"),
                );
                return None;
            }
            cur = i;
            if value.trim_start_matches([' ', '\t']).starts_with('~') {
                break;
            }
        }
        Some((found, extra))
    }

    /// `~SEQ(...)` / `~LST(...)`: repeat the rest of the line.
    fn repeat(&mut self, line: Line, dir: &Path, nesting: usize) {
        let span = line.span(0, line.len());
        let is_seq = line.starts_with("~SEQ");
        let parsed = if is_seq {
            self.parse_seq(&line)
        } else {
            self.parse_lst(&line)
        };
        let Some((sets, text_start)) = parsed else {
            let what = if is_seq { "~SEQ" } else { "~LST" };
            let help = if is_seq {
                "~SEQ(name, end), ~SEQ(name, start, end) or ~SEQ(name, start, step, end)"
            } else {
                "~LST(name, a, b, ...) or ~LST({n1,n2}, {a1,a2}, {b1,b2}, ...)"
            };
            self.diags.push(
                Diagnostic::error(Some(span), format!("invalid {what} specification"))
                    .with_help(format!("write {help}")),
            );
            return;
        };
        let text = line.tail(text_start);
        for set in sets {
            if self.over_budget(span) {
                return;
            }
            for (name, value) in set {
                self.defs.insert(
                    name,
                    Def {
                        value,
                        multiline: false,
                        builtin: None,
                    },
                );
            }
            if !text.is_empty() {
                self.logical(text.clone(), dir, nesting + 1);
            }
        }
    }

    /// The parameter text of `~SEQ(...)` after its variable, expanded.
    #[allow(clippy::type_complexity)]
    fn parse_seq(&mut self, line: &Line) -> Option<(Vec<Vec<(String, String)>>, usize)> {
        let c = &line.chars;
        let mut p = 4;
        let hex = c.get(p) == Some(&'x');
        if hex {
            p += 1;
        }
        p += blanks(c, p);
        if c.get(p) != Some(&'(') {
            return None;
        }
        p += 1;
        p += blanks(c, p);
        let var_start = p;
        while p < c.len() && !matches!(c[p], ' ' | '\t' | ',' | ')') {
            p += 1;
        }
        let var: String = c[var_start..p].iter().collect();
        p += blanks(c, p);
        if p >= c.len() || c[p] == ')' || var.is_empty() {
            return None;
        }
        p += 1; // the ','
        p += blanks(c, p);
        let close = p + c.get(p..)?.iter().position(|ch| *ch == ')')?;
        let mut params = line.tail(p);
        params.truncate(close + 1 - p);
        let (_, more) = self.replace_params(&mut params)?;
        if !more.is_empty() {
            return None;
        }
        let ptext = params.text();
        let nums: Vec<&str> = ptext
            .strip_suffix(')')
            .unwrap_or(&ptext)
            .split(',')
            .collect();
        let vals: Vec<i64> = nums
            .iter()
            .map(|n| parse_c_long(n.trim()))
            .collect::<Option<Vec<i64>>>()?;
        let (start, step, end) = match vals.as_slice() {
            [e] => (if *e < 0 { -1 } else { 1 }, if *e < 1 { -1 } else { 1 }, *e),
            [s, e] => (*s, if s <= e { 1 } else { -1 }, *e),
            [s, st, e] => {
                if *st == 0 || (s < e && *st < 0) || (s > e && *st > 0) {
                    return None;
                }
                (*s, *st, *e)
            }
            _ => return None,
        };
        if hex && (start < 0 || end < 0) {
            return None;
        }
        let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
        if count > i128::from(MAX_SEQ_LINES) {
            self.error(
                line.span(0, close + 1),
                format!("~SEQ would produce {count} lines (at most {MAX_SEQ_LINES})"),
            );
            return Some((Vec::new(), c.len()));
        }
        let mut sets = Vec::new();
        let mut v = start;
        loop {
            let s = if hex { format!("{v:x}") } else { v.to_string() };
            sets.push(vec![(var.clone(), s)]);
            match v.checked_add(step) {
                Some(n) if !((step > 0 && n > end) || (step < 0 && n < end)) => v = n,
                _ => break,
            }
        }
        let mut t = close + 1;
        t += blanks(c, t);
        Some((sets, t))
    }

    #[allow(clippy::type_complexity)]
    fn parse_lst(&mut self, line: &Line) -> Option<(Vec<Vec<(String, String)>>, usize)> {
        let c = &line.chars;
        let stop = |ch: char, set: &str| ch == ' ' || ch == '\t' || set.contains(ch);
        let mut p = 4;
        p += blanks(c, p);
        if c.get(p) != Some(&'(') {
            return None;
        }
        p += 1;
        p += blanks(c, p);
        let mut names = Vec::new();
        let braced = c.get(p) == Some(&'{');
        if braced {
            p += 1;
            p += blanks(c, p);
        }
        let end_char = if braced { '}' } else { ',' };
        loop {
            let s = p;
            while p < c.len() && !stop(c[p], ",}") {
                p += 1;
            }
            names.push(c[s..p].iter().collect::<String>());
            p += blanks(c, p);
            if c.get(p) == Some(&end_char) {
                break;
            }
            if c.get(p) != Some(&',') {
                return None;
            }
            p += 1;
            p += blanks(c, p);
        }
        if c.get(p) == Some(&'}') {
            p += 1;
            p += blanks(c, p);
        }
        if c.get(p) != Some(&',') {
            return None;
        }
        p += 1;
        p += blanks(c, p);
        let mut sets = Vec::new();
        loop {
            let braced = c.get(p) == Some(&'{');
            if braced {
                p += 1;
                p += blanks(c, p);
            }
            let end_char = if braced { '}' } else { ',' };
            let mut values = Vec::new();
            loop {
                let s = p;
                while p < c.len() && !stop(c[p], ",})") {
                    p += 1;
                }
                values.push(c[s..p].iter().collect::<String>());
                p += blanks(c, p);
                match c.get(p) {
                    Some(ch) if *ch == end_char || (*ch == ')' && end_char == ',') => break,
                    Some(',') => {
                        p += 1;
                        p += blanks(c, p);
                        if values.len() >= names.len() {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
            while values.len() < names.len() {
                values.push(String::new());
            }
            sets.push(names.iter().cloned().zip(values).collect::<Vec<_>>());
            if sets.len() as i64 > MAX_SEQ_LINES {
                return None;
            }
            if braced && c.get(p) == Some(&'}') {
                p += 1;
                p += blanks(c, p);
            }
            match c.get(p) {
                Some(')') => break,
                Some(',') => {
                    p += 1;
                    p += blanks(c, p);
                }
                _ => return None,
            }
        }
        if names.iter().any(String::is_empty) || sets.is_empty() {
            return None;
        }
        p += 1;
        p += blanks(c, p);
        Some((sets, p))
    }

    /// `include PATTERN` (also `includer`, `includem`, `includew`,
    /// `includeb`, `includea`). Returns false when the line is not one.
    fn include(&mut self, line: &Line, dir: &Path) -> bool {
        let c = &line.chars;
        if !line.starts_with("include") || c.len() < 8 {
            return false;
        }
        let (check, rest) = if c[7] == ' ' || c[7] == '\t' {
            (IncludeCheck::default(), 8)
        } else if c.len() > 8 && (c[8] == ' ' || c[8] == '\t') && "rmwba".contains(c[7]) {
            let k = match c[7] {
                'r' => IncludeCheck {
                    read: true,
                    ..IncludeCheck::default()
                },
                'm' => IncludeCheck {
                    read: true,
                    missing: true,
                    wildcard: false,
                },
                'w' | 'a' => IncludeCheck {
                    read: true,
                    missing: true,
                    wildcard: true,
                },
                _ => IncludeCheck {
                    read: true,
                    ..IncludeCheck::default()
                },
            };
            (k, 9)
        } else {
            return false;
        };
        let start = rest + blanks(c, rest);
        let pattern: String = c[start.min(c.len())..].iter().collect();
        let span = line.span(start, c.len());
        if pattern.is_empty() {
            self.error(line.span(0, 7), "include needs a file name or pattern");
            return true;
        }
        if !self.allow_includes {
            return true;
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    Some(span),
                    format!("includes nested too deeply (more than {MAX_INCLUDE_DEPTH}): an include loop?"),
                )
                .with_note(format!(
                    "include chain: {}",
                    self.stack
                        .iter()
                        .rev()
                        .take(4)
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" <- ")
                )),
            );
            return true;
        }
        let report = |me: &mut Self, is_error: bool, msg: String| {
            if is_error {
                me.error(span, msg);
            } else {
                me.warn(span, msg);
            }
        };
        let mut matched: Vec<PathBuf> = Vec::new();
        let mut missing = false;
        for alt in expand_braces(&pattern) {
            let full = if Path::new(&alt).is_absolute() {
                PathBuf::from(&alt)
            } else {
                dir.join(&alt)
            };
            let has_wild = alt.contains(['*', '?', '[']);
            match glob::glob(&full.to_string_lossy()) {
                Ok(it) => {
                    let mut found: Vec<PathBuf> = it.filter_map(Result::ok).collect();
                    if found.is_empty() && !has_wild {
                        missing = true;
                    }
                    found.sort();
                    matched.extend(found);
                }
                Err(e) => {
                    report(
                        self,
                        true,
                        format!("bad include pattern `{alt}`: {}", e.msg),
                    );
                    return true;
                }
            }
        }
        if matched.is_empty() {
            if missing {
                report(
                    self,
                    check.missing,
                    format!(
                        "include {pattern}: no such file (keepalived: \"Config files missing\")"
                    ),
                );
            } else {
                report(
                    self,
                    check.wildcard,
                    format!("include {pattern}: no file matches"),
                );
            }
            return true;
        }
        self.depth += 1;
        for p in matched {
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => {
                    report(
                        self,
                        check.read,
                        format!("include: {} is a directory: skipped", p.display()),
                    );
                    continue;
                }
                Ok(m) if !m.is_file() || is_executable(&m) => {
                    report(
                        self,
                        check.read,
                        format!("include: {} is not a regular non-executable file: skipped (keepalived skips it)", p.display()),
                    );
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    report(
                        self,
                        check.read,
                        format!("include: cannot read {}: {e}", p.display()),
                    );
                    continue;
                }
            }
            match std::fs::read(&p) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    self.text(p, text);
                }
                Err(e) => {
                    report(
                        self,
                        check.read,
                        format!("include: cannot read {}: {e}", p.display()),
                    );
                }
            }
        }
        self.depth -= 1;
        true
    }
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn blanks(c: &[char], from: usize) -> usize {
    c.get(from..).map_or(0, |r| {
        r.iter()
            .take_while(|ch| **ch == ' ' || **ch == '\t')
            .count()
    })
}

/// C's `strtol(s, &end, 0)` for a whole field: decimal, `0x` hex or
/// leading-zero octal, with a sign. None when there are no digits or
/// something follows them.
fn parse_c_long(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// glob's `GLOB_BRACE`: `a{b,c}d` → `abd`, `acd` (nested braces too).
pub fn expand_braces(pattern: &str) -> Vec<String> {
    fn go(p: &str, out: &mut Vec<String>, budget: &mut usize) {
        if *budget == 0 {
            return;
        }
        let chars: Vec<char> = p.chars().collect();
        let Some(open) = chars.iter().position(|c| *c == '{') else {
            *budget -= 1;
            out.push(p.to_string());
            return;
        };
        let mut depth = 0;
        let mut close = None;
        let mut commas = Vec::new();
        for (i, c) in chars.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
        let Some(close) = close else {
            *budget -= 1;
            out.push(p.to_string());
            return;
        };
        let pre: String = chars[..open].iter().collect();
        let post: String = chars[close + 1..].iter().collect();
        let mut bounds = vec![open];
        bounds.extend(&commas);
        bounds.push(close);
        for w in bounds.windows(2) {
            let alt: String = chars[w[0] + 1..w[1]].iter().collect();
            go(&format!("{pre}{alt}{post}"), out, budget);
        }
    }
    let mut out = Vec::new();
    let mut budget = 1000;
    go(pattern, &mut out, &mut budget);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, id: &str) -> (Vec<String>, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let mut diags = Vec::new();
        let mut pp = Preprocessor::new(&mut sources, &mut diags, id).without_includes();
        pp.text("t.conf".into(), text.to_string());
        let lines = pp.lines.iter().map(Line::text).collect();
        (lines, diags)
    }

    #[test]
    fn comments() {
        let (l, _) = run(
            "a b # c\n! all\n  x \"y # z\" ! w\nauth_pass ab#cd\np a\\#b\n",
            "",
        );
        assert_eq!(l, vec!["a b", "x \"y # z\"", "auth_pass ab", "p a#b"]);
    }

    #[test]
    fn conditionals() {
        let t = "@lb1 a 1\n@lb2 a 2\n@^lb1 b 1\n@^lb2 b 2\n@lb1\n";
        assert_eq!(run(t, "lb1").0, vec!["a 1", "b 2"]);
        assert_eq!(run(t, "lb2").0, vec!["a 2", "b 1"]);
    }

    #[test]
    fn definitions() {
        let t = "$P=150\n@lb2 $P=100\npriority $P\nx ${P}0 $Px $P,$P)\n$Q =1\n";
        let (l, _) = run(t, "lb1");
        assert_eq!(l, vec!["priority 150", "x 1500 $Px 150,150)", "$Q =1"]);
        let (l, _) = run(t, "lb2");
        assert_eq!(l[0], "priority 100");
    }

    #[test]
    fn nested_definitions() {
        let (l, _) = run("$A=1\n$B=$A 2\nv $B\n", "");
        assert_eq!(l, vec!["v 1 2"]);
    }

    #[test]
    fn recursive_definition_is_an_error() {
        let (l, d) = run("$A=x $A\nv $A\n", "");
        assert!(l.is_empty());
        assert!(d[0].message.contains("expands without end"), "{d:?}");
    }

    #[test]
    fn multiline_definition() {
        let t = "$VIPS=192.0.2.1 \\\n  192.0.2.2 \\\n  192.0.2.3\nvirtual_ipaddress {\n$VIPS\n}\nx $VIPS y\n";
        let (l, _) = run(t, "");
        assert_eq!(
            l,
            vec![
                "virtual_ipaddress {",
                "192.0.2.1",
                "192.0.2.2",
                "192.0.2.3",
                "}",
                "x $VIPS y"
            ]
        );
    }

    #[test]
    fn multiline_definition_ends_at_blank_line() {
        let (l, _) = run("$A=\\\n a \\\n\nv $A\n", "");
        assert_eq!(l, vec!["v a"]);
    }

    #[test]
    fn seq() {
        let (l, _) = run(
            "~SEQ(i, 3) v$i\n~SEQ(i,5,7) w${i}\n~SEQ(i, 10, -5, 0) x $i\n~SEQx(i,9,11) h$i\n",
            "",
        );
        assert_eq!(
            l,
            vec!["v1", "v2", "v3", "w5", "w6", "w7", "x 10", "x 5", "x 0", "h9", "ha", "hb"]
        );
    }

    #[test]
    fn seq_in_a_definition_and_nested() {
        let (l, _) = run("$N=2\n~SEQ(i, $N) ~SEQ(j, $i) ${i}.$j $i.$j\n", "");
        // `$i.` is not a reference (a name ends at a blank, `,`, `)` or the end)
        assert_eq!(l, vec!["1.1 $i.1", "2.1 $i.1", "2.2 $i.2"]);
    }

    #[test]
    fn seq_errors() {
        for bad in [
            "~SEQ(i) x\n",
            "~SEQ(i, 1, 0, 5) x\n",
            "~SEQ(i, 5, 1, 1) x\n",
            "~SEQ i x\n",
        ] {
            let (l, d) = run(bad, "");
            assert!(l.is_empty(), "{bad}");
            assert!(d.iter().any(|d| d.message.contains("~SEQ")), "{bad}: {d:?}");
        }
        let (_, d) = run("~SEQ(i, 1, 1000000) x\n", "");
        assert!(d[0].message.contains("at most"));
    }

    #[test]
    fn seq_extremes_do_not_overflow() {
        let (l, _) = run(
            "~SEQ(i, 9223372036854775806, 9223372036854775807) v$i\n",
            "",
        );
        assert_eq!(l, vec!["v9223372036854775806", "v9223372036854775807"]);
        let (_, d) = run("~SEQ(i, -9223372036854775807, 9223372036854775807) v\n", "");
        assert!(d[0].message.contains("at most"));
        let (l, _) = run("x ${_RANDOM 18446744073709551615 1}\n", "");
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn nested_seqs_stop_at_the_budget() {
        let (l, d) = run("~SEQ(a, 1000) ~SEQ(b, 1000) x\n", "");
        assert_eq!(l.len(), MAX_TOTAL_LINES);
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn lst() {
        let (l, _) = run(
            "~LST(v, a, b) x $v\n~LST({n,m}, {1,2}, {3}) ${n}-${m}.\n",
            "",
        );
        assert_eq!(l, vec!["x a", "x b", "1-2.", "3-."]);
    }

    #[test]
    fn builtins() {
        let (l, _) = run("a $_HASH $_INSTANCE ${_RANDOM 5 5}\n", "lb9");
        assert_eq!(l, vec!["a"]); // `#` from $_HASH starts a comment again
        let (l, _) = run("a \"${_HASH}\" $_INSTANCE ${_RANDOM 5 5}\n", "lb9");
        assert_eq!(l, vec!["a \"#\" lb9 5"]);
    }

    #[test]
    fn spans_follow_expansion() {
        let mut sources = Sources::default();
        let mut diags = Vec::new();
        let mut pp = Preprocessor::new(&mut sources, &mut diags, "lb1");
        pp.text("t.conf".into(), "$X=eth0\n  @lb1 dev $X up\n".into());
        let l = &pp.lines[0];
        assert_eq!(l.text(), "dev eth0 up");
        assert_eq!(l.spans[0], Span::new(0, 2, 8, 1));
        assert_eq!(l.span(4, 8), Span::new(0, 2, 12, 2));
        assert_eq!(l.spans[9], Span::new(0, 2, 15, 1));
    }

    #[test]
    fn unterminated_quote() {
        let (_, d) = run("script \"/bin/true\n", "");
        assert_eq!(d[0].span, Some(Span::new(0, 1, 8, 1)));
    }

    #[test]
    fn braces() {
        assert_eq!(expand_braces("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(expand_braces("{x,{y,z}}"), vec!["x", "y", "z"]);
        assert_eq!(expand_braces("plain"), vec!["plain"]);
        assert_eq!(expand_braces("a{b"), vec!["a{b"]);
    }

    #[test]
    fn c_numbers() {
        assert_eq!(parse_c_long("0x10"), Some(16));
        assert_eq!(parse_c_long("010"), Some(8));
        assert_eq!(parse_c_long("-3"), Some(-3));
        assert_eq!(parse_c_long("x"), None);
    }
}
