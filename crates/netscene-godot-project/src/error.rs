//! The one error type of the crate: what went wrong, in which file, at which line.

use std::fmt;

/// A project file that could not be read or understood.
///
/// Displays as `file:line: message` (or `file: message` when no line applies), the way
/// compilers report, so editors and CI logs can jump to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ProjectError {
    /// The file, as a `res://` path when it is inside the project, else as given.
    pub file: String,
    /// The 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What was wrong.
    pub message: String,
}

impl ProjectError {
    /// An error at a line of a file.
    pub fn at(file: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// An error about a whole file (missing, unreadable).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ProjectError> = std::result::Result<T, E>;
