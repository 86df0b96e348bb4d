//! `StringName` and `NodePath`: Godot's interned names and node/property paths.

use std::fmt;
use std::sync::Arc;

/// Godot `StringName`: an immutable name, cheap to clone (shared storage).
///
/// Godot interns these; here a clone shares one allocation, which gives the same
/// cheap-copy behaviour without a global table.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct StringName(Arc<str>);

impl StringName {
    /// Creates a name from any string.
    pub fn new(name: &str) -> Self {
        Self(Arc::from(name))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the empty name.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for StringName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "&{:?}", &*self.0)
    }
}

impl fmt::Display for StringName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for StringName {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for StringName {
    fn from(s: String) -> Self {
        Self(Arc::from(s))
    }
}

// Lets maps keyed by `StringName` be searched with a `&str` (the derived `Hash` hashes the
// string contents, so both agree).
impl std::borrow::Borrow<str> for StringName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for StringName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Godot `NodePath`: names separated by `/`, optional `:subname` parts, absolute when it
/// starts with `/`.
///
/// ```
/// use netscene_variant::NodePath;
/// let p = NodePath::new("/root/Main/Player:position:x");
/// assert!(p.is_absolute());
/// assert_eq!(p.names().len(), 3);
/// assert_eq!(p.subnames().len(), 2);
/// assert_eq!(p.to_string(), "/root/Main/Player:position:x");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct NodePath {
    names: Vec<StringName>,
    subnames: Vec<StringName>,
    absolute: bool,
}

impl NodePath {
    /// Parses a path the way Godot's `NodePath(String)` constructor does: a leading `/` makes it
    /// absolute; names are separated by `/` (empty names from repeated slashes are skipped; `.`
    /// and `..` stay names); everything after the first `:` is `:`-separated subnames (a trailing
    /// `:` is allowed). A path with an empty subname in the middle (`a::b`) is invalid, and like
    /// Godot this constructor then yields the empty path; [`try_new`](Self::try_new) reports it.
    pub fn new(path: &str) -> Self {
        Self::try_new(path).unwrap_or_default()
    }

    /// Like [`new`](Self::new) but refuses an invalid path (an empty subname before another `:`).
    pub fn try_new(path: &str) -> Result<Self, InvalidNodePath> {
        if path.is_empty() {
            return Ok(Self::default());
        }
        let absolute = path.starts_with('/');
        let (node_part, subpath) = match path.split_once(':') {
            Some((nodes, sub)) => (nodes, Some(sub)),
            None => (path, None),
        };
        let mut subnames = Vec::new();
        if let Some(sub) = subpath {
            let parts: Vec<&str> = sub.split(':').collect();
            let last = parts.len() - 1;
            for (i, part) in parts.into_iter().enumerate() {
                if part.is_empty() {
                    if i == last {
                        continue; // Godot allows a trailing ':'.
                    }
                    return Err(InvalidNodePath(path.to_owned()));
                }
                subnames.push(StringName::new(part));
            }
        }
        let names = node_part
            .split('/')
            .filter(|n| !n.is_empty())
            .map(StringName::new)
            .collect();
        Ok(Self {
            names,
            subnames,
            absolute,
        })
    }

    /// Godot's `NodePath.simplified()`: drops `.` names and folds `name/..` pairs.
    pub fn simplified(&self) -> Self {
        let mut names = self.names.clone();
        let mut i = 0;
        while i < names.len() && names.len() > 1 {
            let is = |n: &StringName, s: &str| n.as_str() == s;
            if is(&names[i], ".") {
                names.remove(i);
                continue;
            }
            if i > 0 && is(&names[i], "..") && !is(&names[i - 1], ".") && !is(&names[i - 1], "..") {
                names.drain(i - 1..=i);
                i -= 1;
                if names.is_empty() {
                    names.push(StringName::new("."));
                    break;
                }
                continue;
            }
            i += 1;
        }
        Self {
            names,
            subnames: self.subnames.clone(),
            absolute: self.absolute,
        }
    }

    /// The property path part, `:a:b`, as Godot's `get_concatenated_subnames` (without the
    /// leading colon).
    pub fn concatenated_subnames(&self) -> String {
        self.subnames
            .iter()
            .map(StringName::as_str)
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Builds a path from its parts.
    pub fn from_parts(names: Vec<StringName>, subnames: Vec<StringName>, absolute: bool) -> Self {
        Self {
            names,
            subnames,
            absolute,
        }
    }

    /// The node names (`..` stays a name, as in Godot).
    pub fn names(&self) -> &[StringName] {
        &self.names
    }

    /// The `:subname` parts (property path).
    pub fn subnames(&self) -> &[StringName] {
        &self.subnames
    }

    /// True when the path starts at the root (`/`).
    pub fn is_absolute(&self) -> bool {
        self.absolute
    }

    /// True for the empty path (`NodePath("")`).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.subnames.is_empty() && !self.absolute
    }
}

impl fmt::Display for NodePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.absolute {
            f.write_str("/")?;
        }
        for (i, n) in self.names.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            f.write_str(n)?;
        }
        for s in &self.subnames {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "^{:?}", self.to_string())
    }
}

/// A node path string Godot's `NodePath` constructor refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid node path {0:?}: empty subname")]
pub struct InvalidNodePath(pub String);

impl From<&str> for NodePath {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for NodePath {
    fn from(s: String) -> Self {
        Self::new(&s)
    }
}
