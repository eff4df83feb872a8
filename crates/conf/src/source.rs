//! The source map: every file read (the main file and its includes), so
//! diagnostics can name the file and quote the line.

use std::path::{Path, PathBuf};

/// One file that was read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// its path as opened
    pub path: PathBuf,
    /// its text
    pub text: String,
    /// byte offset of the start of each line
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// Line `line` (1-based) without its line end.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        if start > self.text.len() || (start == self.text.len() && idx > 0) {
            return None;
        }
        let end = self
            .line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |e| e.saturating_sub(1));
        let s = self.text.get(start..end.max(start))?;
        Some(s.strip_suffix('\r').unwrap_or(s))
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        }
    }
}

/// Every file read, in the order they were opened.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Register a file's text; returns its index.
    pub fn add(&mut self, path: PathBuf, text: String) -> u32 {
        self.files.push(SourceFile::new(path, text));
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// File `i`.
    pub fn file(&self, i: u32) -> Option<&SourceFile> {
        self.files.get(i as usize)
    }

    /// Path of file `i`.
    pub fn path(&self, i: u32) -> Option<&Path> {
        self.file(i).map(|f| f.path.as_path())
    }

    /// A line of a file (1-based).
    pub fn line(&self, file: u32, line: u32) -> Option<&str> {
        self.file(file)?.line(line)
    }

    /// All files.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// No file read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let mut s = Sources::default();
        let f = s.add("x".into(), "a\r\nbb\n\nc".into());
        assert_eq!(s.line(f, 1), Some("a"));
        assert_eq!(s.line(f, 2), Some("bb"));
        assert_eq!(s.line(f, 3), Some(""));
        assert_eq!(s.line(f, 4), Some("c"));
        assert_eq!(s.line(f, 5), None);
        assert_eq!(s.line(f, 0), None);
        assert_eq!(s.file(f).unwrap().line_count(), 4);
        let g = s.add("y".into(), "a\n".into());
        assert_eq!(s.line(g, 1), Some("a"));
        assert_eq!(s.line(g, 2), None);
    }
}
