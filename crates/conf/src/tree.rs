//! Tokens → a tree of statements: `keyword args... [{ children }]`.

use crate::diag::{Diagnostic, Span};
use crate::lexer::{Tok, Token};

/// A word with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// text
    pub text: String,
    /// where
    pub span: Span,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// the keyword
    pub key: Word,
    /// the words after it on its line
    pub args: Vec<Word>,
    /// the block, when it has one
    pub block: Option<Vec<Node>>,
    /// where the block opened (for "missing }" messages)
    pub open: Option<Span>,
}

impl Node {
    /// The block's statements (empty when none).
    pub fn children(&self) -> &[Node] {
        self.block.as_deref().unwrap_or(&[])
    }

    /// Span of the first argument, or of the keyword.
    pub fn arg_span(&self, i: usize) -> Span {
        self.args.get(i).map_or(self.key.span, |w| w.span)
    }
}

/// Parse the token stream.
pub fn parse(tokens: &[Token], diags: &mut Vec<Diagnostic>) -> Vec<Node> {
    let mut pos = 0;
    let nodes = block(tokens, &mut pos, diags, None);
    while pos < tokens.len() {
        if tokens[pos].tok == Tok::Close {
            diags.push(Diagnostic::error(
                Some(tokens[pos].span),
                "unexpected `}` (no block is open)",
            ));
        }
        pos += 1;
    }
    nodes
}

fn block(
    tokens: &[Token],
    pos: &mut usize,
    diags: &mut Vec<Diagnostic>,
    open: Option<Span>,
) -> Vec<Node> {
    let mut out = Vec::new();
    while *pos < tokens.len() {
        match &tokens[*pos].tok {
            Tok::Newline => *pos += 1,
            Tok::Close => {
                if open.is_some() {
                    *pos += 1;
                    return out;
                }
                diags.push(Diagnostic::error(
                    Some(tokens[*pos].span),
                    "unexpected `}` (no block is open)",
                ));
                *pos += 1;
            }
            Tok::Open => {
                // an anonymous block (a `{` on a line of its own after a
                // keyword that had its own line): attach to the previous node
                let span = tokens[*pos].span;
                *pos += 1;
                let children = block(tokens, pos, diags, Some(span));
                match out.last_mut() {
                    Some(Node {
                        block: b @ None,
                        open: o,
                        ..
                    }) => {
                        *b = Some(children);
                        *o = Some(span);
                    }
                    _ => diags.push(Diagnostic::error(
                        Some(span),
                        "`{` without a keyword before it",
                    )),
                }
            }
            Tok::Word(w) => {
                let key = Word {
                    text: w.clone(),
                    span: tokens[*pos].span,
                };
                *pos += 1;
                let mut args = Vec::new();
                let mut node_block = None;
                let mut node_open = None;
                while *pos < tokens.len() {
                    match &tokens[*pos].tok {
                        Tok::Word(a) => {
                            args.push(Word {
                                text: a.clone(),
                                span: tokens[*pos].span,
                            });
                            *pos += 1;
                        }
                        Tok::Newline => {
                            *pos += 1;
                            break;
                        }
                        Tok::Open => {
                            let span = tokens[*pos].span;
                            *pos += 1;
                            node_block = Some(block(tokens, pos, diags, Some(span)));
                            node_open = Some(span);
                            // words after the closing brace on the same line
                            // are keepalived-legal only as new statements
                            break;
                        }
                        Tok::Close => break,
                    }
                }
                out.push(Node {
                    key,
                    args,
                    block: node_block,
                    open: node_open,
                });
            }
        }
    }
    if let Some(span) = open {
        diags.push(Diagnostic::error(
            Some(span),
            "this `{` is never closed (missing `}`)",
        ));
    }
    out
}
