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
    /// Parses a path the way Godot's `NodePath(String)` constructor does.
    pub fn new(path: &str) -> Self {
        let absolute = path.starts_with('/');
        let mut parts = path.split(':');
        let node_part = parts.next().unwrap_or("");
        let names = node_part
            .split('/')
            .filter(|n| !n.is_empty() && *n != ".")
            .map(StringName::new)
            .collect();
        let subnames = parts
            .filter(|s| !s.is_empty())
            .map(StringName::new)
            .collect();
        Self {
            names,
            subnames,
            absolute,
        }
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

impl From<&str> for NodePath {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}
