//! The lexer: logical lines (from [`crate::preprocess`]) → tokens.
//!
//! As keepalived 2.2.x (`read_line` and `alloc_strvec_quoted_escaped`):
//! `{` and `}` outside double quotes are tokens of their own wherever they
//! are; words are split on blanks; `"…"` and `'…'` quote (the quotes go,
//! and quoted parts join the text around them: `a"b c"d` is one word
//! `ab cd`); a backslash escapes the next character (`\n`, `\t`, `\x41`,
//! octal `\101`, `\cX`, anything else stands for itself).

use crate::diag::{Diagnostic, Span};
use crate::preprocess::Line;

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

/// Tokenize logical lines.
pub fn lex(lines: &[Line], diags: &mut Vec<Diagnostic>) -> Vec<Token> {
    let mut out = Vec::new();
    for line in lines {
        lex_line(line, &mut out, diags);
    }
    out
}

/// Tokenize one logical line (appends a `Newline` after its tokens).
pub fn lex_line(line: &Line, out: &mut Vec<Token>, diags: &mut Vec<Diagnostic>) {
    let start = out.len();
    let c = &line.chars;
    let mut seg_start = 0;
    let mut in_dq = false;
    for (i, ch) in c.iter().enumerate() {
        match ch {
            '"' => in_dq = !in_dq,
            '{' | '}' if !in_dq => {
                words(line, seg_start, i, out, diags);
                out.push(Token {
                    tok: if *ch == '{' { Tok::Open } else { Tok::Close },
                    span: line.spans[i],
                });
                seg_start = i + 1;
            }
            _ => {}
        }
    }
    words(line, seg_start, c.len(), out, diags);
    if out.len() > start {
        let span = out[out.len() - 1].span;
        out.push(Token {
            tok: Tok::Newline,
            span,
        });
    }
}

/// Words of `line.chars[from..to]`.
fn words(line: &Line, from: usize, to: usize, out: &mut Vec<Token>, diags: &mut Vec<Diagnostic>) {
    let c = &line.chars[..to];
    let mut i = from;
    let seg_first = out.len();
    while i < to {
        while i < to && (c[i] == ' ' || c[i] == '\t') {
            i += 1;
        }
        if i >= to {
            break;
        }
        let start = i;
        let mut text = String::new();
        let mut quote: Option<(char, usize)> = None;
        while i < to {
            let ch = c[i];
            match quote {
                Some((q, _)) if ch == q => {
                    quote = None;
                    i += 1;
                }
                None if ch == ' ' || ch == '\t' => break,
                None if ch == '"' || ch == '\'' => {
                    quote = Some((ch, i));
                    i += 1;
                }
                _ if ch == '\\' => {
                    if i + 1 >= to {
                        // keepalived: "Missing escape char at end", the line is dropped
                        diags.push(
                            Diagnostic::warning(
                                Some(line.spans[i]),
                                "line ends with `\\` outside a $definition: keepalived ignores this line",
                            ),
                        );
                        out.truncate(seg_first);
                        return;
                    }
                    let (v, used) = escape(&c[i + 1..to]);
                    if let Some(v) = v {
                        text.push(v);
                    }
                    i += 1 + used;
                }
                _ => {
                    text.push(ch);
                    i += 1;
                }
            }
        }
        if let Some((q, at)) = quote {
            let span = line.spans[at];
            let reported = diags
                .iter()
                .any(|d| d.span == Some(span) && d.message.contains("unterminated"));
            if !reported {
                diags.push(Diagnostic::error(
                    Some(span),
                    format!("unterminated quoted string (missing `{q}`)"),
                ));
            }
            // keepalived drops the whole line
            out.truncate(seg_first);
            return;
        }
        out.push(Token {
            tok: Tok::Word(text),
            span: line.span(start, i),
        });
    }
}

/// One escape after a backslash: the character and how many input
/// characters it used.
fn escape(c: &[char]) -> (Option<char>, usize) {
    let Some(&first) = c.first() else {
        return (None, 0);
    };
    match first {
        'x' if c.get(1).is_some_and(char::is_ascii_hexdigit) => {
            let digits: String = c[1..]
                .iter()
                .take_while(|d| d.is_ascii_hexdigit())
                .collect();
            // keepalived keeps the low byte of however many digits follow
            let v = digits
                .chars()
                .fold(0u8, |acc, d| (acc << 4) | d.to_digit(16).unwrap_or(0) as u8);
            (Some(char::from(v)), 1 + digits.len())
        }
        'c' if c.len() > 1 => (Some(char::from((c[1] as u32 & 0x1f) as u8)), 2),
        '0'..='7' => {
            let digits: String = c
                .iter()
                .take(3)
                .take_while(|d| matches!(d, '0'..='7'))
                .collect();
            let v = digits
                .chars()
                .fold(0u32, |acc, d| (acc << 3) + d.to_digit(8).unwrap_or(0));
            (Some(char::from((v & 0xff) as u8)), digits.len())
        }
        'a' => (Some('\u{7}'), 1),
        'b' => (Some('\u{8}'), 1),
        'E' => (Some('\u{1b}'), 1),
        'f' => (Some('\u{c}'), 1),
        'n' => (Some('\n'), 1),
        'r' => (Some('\r'), 1),
        't' => (Some('\t'), 1),
        'v' => (Some('\u{b}'), 1),
        other => (Some(other), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;
    use crate::preprocess::Preprocessor;

    fn toks(text: &str) -> (Vec<Tok>, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let mut diags = Vec::new();
        let lines = {
            let mut pp = Preprocessor::new(&mut sources, &mut diags, "").without_includes();
            pp.text("t".into(), text.to_string());
            std::mem::take(&mut pp.lines)
        };
        let t = lex(&lines, &mut diags);
        (t.into_iter().map(|t| t.tok).collect(), diags)
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn braces_split_anywhere() {
        let (t, _) = toks("a{b c}d\n");
        assert_eq!(
            t,
            vec![
                w("a"),
                Tok::Open,
                w("b"),
                w("c"),
                Tok::Close,
                w("d"),
                Tok::Newline
            ]
        );
        let (t, _) = toks("s \"x{y}\"\n");
        assert_eq!(t, vec![w("s"), w("x{y}"), Tok::Newline]);
    }

    #[test]
    fn quotes_join_and_escape() {
        let (t, _) = toks("a\"b c\"d 'e f' \"g\\\"h\" \\x41\\101\\n\n");
        assert_eq!(
            t,
            vec![w("ab cd"), w("e f"), w("g\"h"), w("AA\n"), Tok::Newline]
        );
    }

    #[test]
    fn unterminated_single_quote_drops_the_line() {
        let (t, d) = toks("script 'x\nnext\n");
        assert_eq!(t, vec![w("next"), Tok::Newline]);
        assert!(d[0].message.contains("unterminated"));
    }

    #[test]
    fn spans() {
        let mut sources = Sources::default();
        let mut diags = Vec::new();
        let lines = {
            let mut pp = Preprocessor::new(&mut sources, &mut diags, "").without_includes();
            pp.text("t".into(), "  key \"a b\" {\n".to_string());
            std::mem::take(&mut pp.lines)
        };
        let t = lex(&lines, &mut diags);
        assert_eq!(t[0].span, Span::new(0, 1, 3, 3));
        assert_eq!(t[1].span, Span::new(0, 1, 7, 5));
        assert_eq!(t[2].span, Span::new(0, 1, 13, 1));
    }
}
