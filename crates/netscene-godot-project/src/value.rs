//! Property values of `.tscn` / `.tres` / `project.godot`: Godot's text Variant form (read by
//! `netscene_variant::str_to_var`), plus the resource references `ExtResource("id")` and
//! `SubResource("id")` that only resource files contain.

use netscene_variant::{Variant, str_to_var};

use crate::error::{ProjectError, Result};
use crate::text::RawValue;

/// A value as written in a resource file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A plain Variant.
    Variant(Variant),
    /// `ExtResource("id")`: a resource listed in the file's `[ext_resource]` headers.
    ExtResource(String),
    /// `SubResource("id")`: a `[sub_resource]` of the same file.
    SubResource(String),
    /// A value netscene does not read (`Resource("res://...")`, an object, ...). Kept as text:
    /// only properties the wire contract needs must be readable.
    Unread(String),
}

/// Reads a raw value.
pub fn read(raw: &RawValue) -> Value {
    let text = raw.text.as_str();
    for (prefix, ext) in [("ExtResource(", true), ("SubResource(", false)] {
        if let Some(inner) = text.strip_prefix(prefix).and_then(|t| t.strip_suffix(')')) {
            // Godot 4 writes string ids; Godot 3 (and old Godot 4 betas) wrote numbers.
            let id = match str_to_var(inner.trim()) {
                Ok(Variant::String(id)) => id,
                Ok(Variant::Int(id)) => id.to_string(),
                _ => return Value::Unread(raw.text.clone()),
            };
            return if ext {
                Value::ExtResource(id)
            } else {
                Value::SubResource(id)
            };
        }
    }
    match str_to_var(text) {
        Ok(v) => Value::Variant(v),
        Err(_) => Value::Unread(raw.text.clone()),
    }
}

/// Reads a raw value that must be a plain Variant, naming the file and line otherwise.
pub(crate) fn variant(file: &str, what: &str, raw: &RawValue) -> Result<Variant> {
    match str_to_var(&raw.text) {
        Ok(v) => Ok(v),
        Err(e) => Err(ProjectError::at(
            file,
            raw.line + e.line.saturating_sub(1),
            format!("{what}: {}", e.message),
        )),
    }
}

fn wrong(file: &str, line: usize, what: &str, expected: &str, got: &Variant) -> ProjectError {
    ProjectError::at(
        file,
        line,
        format!(
            "{what} must be {expected}, not `{}`",
            netscene_variant::var_to_str_one_line(got)
        ),
    )
}

/// A String or StringName value.
pub(crate) fn string(file: &str, what: &str, raw: &RawValue) -> Result<String> {
    match variant(file, what, raw)? {
        Variant::String(s) => Ok(s),
        Variant::StringName(s) => Ok(s.as_str().to_string()),
        other => Err(wrong(file, raw.line, what, "a string", &other)),
    }
}

/// Typed views of a [`Variant`] read from a file, with errors naming file and line.
pub(crate) struct Typed<'a> {
    /// The file the value comes from.
    pub file: &'a str,
    /// The line of the value.
    pub line: usize,
    /// What the value is (`spawn_path of /root/Main/Spawner`), for messages.
    pub what: &'a str,
}

impl Typed<'_> {
    /// An integer.
    pub fn int(&self, v: &Variant) -> Result<i64> {
        match v {
            Variant::Int(i) => Ok(*i),
            other => Err(wrong(self.file, self.line, self.what, "an integer", other)),
        }
    }

    /// A number (Godot stores `0.05` as Float, `1` may be written as Int).
    pub fn float(&self, v: &Variant) -> Result<f64> {
        match v {
            Variant::Float(f) => Ok(*f),
            Variant::Int(i) => Ok(*i as f64),
            other => Err(wrong(self.file, self.line, self.what, "a number", other)),
        }
    }

    /// A boolean.
    pub fn bool(&self, v: &Variant) -> Result<bool> {
        match v {
            Variant::Bool(b) => Ok(*b),
            other => Err(wrong(
                self.file,
                self.line,
                self.what,
                "true or false",
                other,
            )),
        }
    }

    /// A NodePath (a String is accepted, as Godot converts it on assignment).
    pub fn node_path(&self, v: &Variant) -> Result<String> {
        match v {
            Variant::NodePath(p) => Ok(p.to_string()),
            Variant::String(s) => Ok(s.clone()),
            Variant::StringName(s) => Ok(s.as_str().to_string()),
            other => Err(wrong(self.file, self.line, self.what, "a NodePath", other)),
        }
    }

    /// A PackedStringArray (or an Array of strings).
    pub fn strings(&self, v: &Variant) -> Result<Vec<String>> {
        match v {
            Variant::PackedStringArray(items) => Ok(items.clone()),
            Variant::Array(array) => array
                .items
                .iter()
                .map(|item| match item {
                    Variant::String(s) => Ok(s.clone()),
                    Variant::StringName(s) => Ok(s.as_str().to_string()),
                    other => Err(wrong(
                        self.file,
                        self.line,
                        self.what,
                        "a list of strings",
                        other,
                    )),
                })
                .collect(),
            other => Err(wrong(
                self.file,
                self.line,
                self.what,
                "a PackedStringArray",
                other,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawValue {
        RawValue {
            text: text.into(),
            line: 1,
        }
    }

    #[test]
    fn reads_references_variants_and_leaves_the_rest() {
        assert_eq!(
            read(&raw("ExtResource(\"1_ab\")")),
            Value::ExtResource("1_ab".into())
        );
        assert_eq!(
            read(&raw("SubResource( 3 )")),
            Value::SubResource("3".into())
        );
        assert_eq!(read(&raw("0.05")), Value::Variant(Variant::Float(0.05)));
        assert!(matches!(
            read(&raw("Resource(\"res://x.tres\")")),
            Value::Unread(_)
        ));
    }
}
