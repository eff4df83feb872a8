//! Spans: where a token came from (file, line, column, length; 1-based).

use serde::Serialize;

/// Where a token came from. Lines and columns are 1-based and count
/// characters (a tab is one column). Tokens produced by a `$NAME`
/// expansion or a `~SEQ` repetition point at the text that produced them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize)]
pub struct Span {
    /// index into [`crate::Sources`]
    pub file: u32,
    /// line
    pub line: u32,
    /// column (characters)
    pub col: u32,
    /// length in characters (at least 1 when rendered)
    pub len: u32,
}

impl Span {
    /// A span of `len` characters at `file:line:col`.
    pub fn new(file: u32, line: u32, col: u32, len: u32) -> Self {
        Span {
            file,
            line,
            col,
            len,
        }
    }

    /// The span from the start of `self` to the end of `other` when both
    /// are on the same line of the same file (otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file == other.file && self.line == other.line && other.col >= self.col {
            let end = other.col.saturating_add(other.len);
            Span {
                len: end.saturating_sub(self.col).max(self.len),
                ..self
            }
        } else {
            self
        }
    }

    /// The column just after the span.
    pub fn end_col(self) -> u32 {
        self.col.saturating_add(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_joins_on_one_line() {
        let a = Span::new(0, 3, 5, 2);
        let b = Span::new(0, 3, 10, 4);
        assert_eq!(a.to(b), Span::new(0, 3, 5, 9));
        let c = Span::new(0, 4, 1, 1);
        assert_eq!(a.to(c), a);
    }
}
