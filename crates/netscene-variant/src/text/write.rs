//! `var_to_str`: Godot's text form of a value (`VariantWriter`, core/variant/variant_parser.cpp).

use std::fmt::Write;

use super::float::{float_text, real_fix_f32, real_fix_f64};
use super::key_order::sort_dictionary_entries;
use crate::containers::{Array, ContainerType, Dictionary};
use crate::math::*;
use crate::variant::{ObjectValue, Variant, VariantType};

/// How containers and strings are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Exactly as Godot's `var_to_str`: dictionaries over several lines with keys sorted,
    /// strings with raw newlines, `Object(…)` followed by a newline, `Signal()`.
    Godot,
    /// One line: dictionaries `{k: v, …}` in insertion order, every control character escaped,
    /// signals with their name and object id.
    OneLine,
}

pub(crate) struct Writer {
    pub(crate) out: String,
    pub(crate) style: Style,
}

fn sep(out: &mut String, first: &mut bool, separator: &str) {
    if !*first {
        out.push_str(separator);
    }
    *first = false;
}

/// Godot's `String::c_escape`, except that other control characters become `\uXXXX` so the text
/// stays on one line and reads back exactly.
pub(crate) fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Godot's `String::c_escape_multiline`: only `\` and `"` are escaped.
fn escape_multiline(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

fn container_type_name(ty: &ContainerType, out: &mut String) {
    match ty {
        ContainerType::None => out.push_str("Variant"),
        ContainerType::Builtin(t) => out.push_str(t.name()),
        ContainerType::ClassName(name) => out.push_str(name),
        ContainerType::Script(path) => {
            out.push_str("Resource(\"");
            out.push_str(path);
            out.push_str("\")");
        }
    }
}

impl Writer {
    fn reals(&mut self, name: &str, values: &[f32]) {
        self.out.push_str(name);
        self.out.push('(');
        self.real_list(values, &mut true);
        self.out.push(')');
    }

    fn real_list(&mut self, values: &[f32], first: &mut bool) {
        for &v in values {
            sep(&mut self.out, first, ", ");
            self.out.push_str(&real_fix_f32(v));
        }
    }

    fn ints<T: std::fmt::Display>(&mut self, name: &str, values: &[T]) {
        self.out.push_str(name);
        self.out.push('(');
        let mut first = true;
        for v in values {
            sep(&mut self.out, &mut first, ", ");
            let _ = write!(self.out, "{v}");
        }
        self.out.push(')');
    }

    fn quoted(&mut self, prefix: &str, s: &str, suffix: &str) {
        self.out.push_str(prefix);
        self.out.push('"');
        escape(s, &mut self.out);
        self.out.push('"');
        self.out.push_str(suffix);
    }

    fn packed_reals<T>(&mut self, name: &str, items: &[T], components: impl Fn(&T) -> Vec<f32>) {
        self.out.push_str(name);
        self.out.push('(');
        let mut first = true;
        for item in items {
            self.real_list(&components(item), &mut first);
        }
        self.out.push(')');
    }

    pub(crate) fn value(&mut self, v: &Variant, depth: usize) {
        match v {
            Variant::Nil => self.out.push_str("null"),
            Variant::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Variant::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            Variant::Float(f) => self.out.push_str(&float_text(*f)),
            Variant::String(s) => {
                self.out.push('"');
                match self.style {
                    Style::Godot => escape_multiline(s, &mut self.out),
                    Style::OneLine => escape(s, &mut self.out),
                }
                self.out.push('"');
            }
            Variant::Vector2(v) => self.reals("Vector2", &[v.x, v.y]),
            Variant::Vector2i(v) => self.ints("Vector2i", &[v.x, v.y]),
            Variant::Rect2(r) => {
                self.reals("Rect2", &[r.position.x, r.position.y, r.size.x, r.size.y])
            }
            Variant::Rect2i(r) => {
                self.ints("Rect2i", &[r.position.x, r.position.y, r.size.x, r.size.y]);
            }
            Variant::Vector3(v) => self.reals("Vector3", &[v.x, v.y, v.z]),
            Variant::Vector3i(v) => self.ints("Vector3i", &[v.x, v.y, v.z]),
            Variant::Transform2D(t) => self.reals(
                "Transform2D",
                &[t.x.x, t.x.y, t.y.x, t.y.y, t.origin.x, t.origin.y],
            ),
            Variant::Vector4(v) => self.reals("Vector4", &[v.x, v.y, v.z, v.w]),
            Variant::Vector4i(v) => self.ints("Vector4i", &[v.x, v.y, v.z, v.w]),
            Variant::Plane(p) => self.reals("Plane", &[p.normal.x, p.normal.y, p.normal.z, p.d]),
            Variant::Quaternion(q) => self.reals("Quaternion", &[q.x, q.y, q.z, q.w]),
            Variant::Aabb(a) => self.reals(
                "AABB",
                &[
                    a.position.x,
                    a.position.y,
                    a.position.z,
                    a.size.x,
                    a.size.y,
                    a.size.z,
                ],
            ),
            Variant::Basis(b) => self.reals("Basis", &basis_rows(b)),
            Variant::Transform3D(t) => {
                let mut e = basis_rows(&t.basis).to_vec();
                e.extend([t.origin.x, t.origin.y, t.origin.z]);
                self.reals("Transform3D", &e);
            }
            Variant::Projection(p) => {
                let e: Vec<f32> = p
                    .columns
                    .iter()
                    .flat_map(|c| [c.x, c.y, c.z, c.w])
                    .collect();
                self.reals("Projection", &e);
            }
            Variant::Color(c) => self.reals("Color", &[c.r, c.g, c.b, c.a]),
            Variant::StringName(s) => self.quoted("&", s, ""),
            Variant::NodePath(p) => self.quoted("NodePath(", &p.to_string(), ")"),
            Variant::Rid(r) if r.0 == 0 => self.out.push_str("RID()"),
            // Godot writes the id through `itos`, i.e. as a signed 64-bit number.
            Variant::Rid(r) => {
                let _ = write!(self.out, "RID({})", r.0 as i64);
            }
            Variant::Callable => self.out.push_str("Callable()"),
            Variant::Signal(s) if self.style == Style::OneLine && *s != Default::default() => {
                self.quoted("Signal(&", &s.name, "");
                let _ = write!(self.out, ", {})", s.object_id as i64);
            }
            Variant::Signal(_) => self.out.push_str("Signal()"),
            Variant::Object(o) => self.object(o, depth),
            Variant::Dictionary(d) => self.dictionary(d, depth),
            Variant::Array(a) => self.array(a, depth),
            Variant::PackedByteArray(a) => self.ints("PackedByteArray", a),
            Variant::PackedInt32Array(a) => self.ints("PackedInt32Array", a),
            Variant::PackedInt64Array(a) => self.ints("PackedInt64Array", a),
            Variant::PackedFloat32Array(a) => self.reals("PackedFloat32Array", a),
            Variant::PackedFloat64Array(a) => {
                self.out.push_str("PackedFloat64Array(");
                let mut first = true;
                for &f in a {
                    sep(&mut self.out, &mut first, ", ");
                    self.out.push_str(&real_fix_f64(f));
                }
                self.out.push(')');
            }
            Variant::PackedStringArray(a) => {
                self.out.push_str("PackedStringArray(");
                let mut first = true;
                for s in a {
                    sep(&mut self.out, &mut first, ", ");
                    self.quoted("", s, "");
                }
                self.out.push(')');
            }
            Variant::PackedVector2Array(a) => {
                self.packed_reals("PackedVector2Array", a, |v: &Vector2| vec![v.x, v.y]);
            }
            Variant::PackedVector3Array(a) => {
                self.packed_reals("PackedVector3Array", a, |v: &Vector3| vec![v.x, v.y, v.z]);
            }
            Variant::PackedColorArray(a) => {
                self.packed_reals("PackedColorArray", a, |c: &Color| vec![c.r, c.g, c.b, c.a]);
            }
            Variant::PackedVector4Array(a) => {
                self.packed_reals("PackedVector4Array", a, |v: &Vector4| {
                    vec![v.x, v.y, v.z, v.w]
                });
            }
        }
    }

    fn object(&mut self, object: &ObjectValue, depth: usize) {
        let (class, properties): (&str, Vec<(&str, Variant)>) = match object {
            ObjectValue::Null => {
                self.out.push_str("null");
                return;
            }
            // What Godot's writer makes of the EncodedObjectAsID a decoded id becomes.
            ObjectValue::Id(id) => (
                crate::decode::ENCODED_OBJECT_AS_ID,
                vec![
                    ("object_id", Variant::Int(*id as i64)),
                    ("script", Variant::Nil),
                ],
            ),
            ObjectValue::Full { class, properties } => (
                class,
                properties
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect(),
            ),
        };
        if depth > crate::MAX_DECODE_DEPTH {
            self.out.push_str("null");
            return;
        }
        self.out.push_str("Object(");
        self.out.push_str(class);
        self.out.push(',');
        let mut first = true;
        for (name, value) in &properties {
            sep(&mut self.out, &mut first, ",");
            self.quoted("", name, ":");
            match value {
                // netscene holds an object's script as its path; Godot writes the script
                // resource as a reference to that path (without the UID netscene cannot know).
                Variant::String(path) if *name == "script" && !path.is_empty() => {
                    self.out.push_str("Resource(\"");
                    escape_multiline(path, &mut self.out);
                    self.out.push_str("\")");
                }
                _ => self.value(value, depth + 1),
            }
        }
        self.out.push(')');
        if self.style == Style::Godot {
            self.out.push('\n');
        }
    }

    fn dictionary(&mut self, dict: &Dictionary, depth: usize) {
        if dict.is_typed() {
            self.out.push_str("Dictionary[");
            container_type_name(&dict.key_type, &mut self.out);
            self.out.push_str(", ");
            container_type_name(&dict.value_type, &mut self.out);
            self.out.push_str("](");
        }
        if dict.is_empty() || depth > crate::MAX_DECODE_DEPTH {
            self.out.push_str("{}");
        } else {
            match self.style {
                Style::Godot => {
                    let mut entries: Vec<(&Variant, &Variant)> = dict.iter().collect();
                    sort_dictionary_entries(&mut entries);
                    self.out.push_str("{\n");
                    let mut first = true;
                    for (k, v) in entries {
                        sep(&mut self.out, &mut first, ",\n");
                        self.value(k, depth + 1);
                        self.out.push_str(": ");
                        self.value(v, depth + 1);
                    }
                    self.out.push_str("\n}");
                }
                Style::OneLine => {
                    self.out.push('{');
                    let mut first = true;
                    for (k, v) in dict.iter() {
                        sep(&mut self.out, &mut first, ", ");
                        self.value(k, depth + 1);
                        self.out.push_str(": ");
                        self.value(v, depth + 1);
                    }
                    self.out.push('}');
                }
            }
        }
        if dict.is_typed() {
            self.out.push(')');
        }
    }

    fn array(&mut self, array: &Array, depth: usize) {
        if array.is_typed() {
            self.out.push_str("Array[");
            container_type_name(&array.element_type, &mut self.out);
            self.out.push_str("](");
        }
        if depth > crate::MAX_DECODE_DEPTH {
            // Godot's writer also gives up on runaway nesting with an empty container.
            self.out.push_str("[]");
        } else {
            self.out.push('[');
            let mut first = true;
            for item in &array.items {
                sep(&mut self.out, &mut first, ", ");
                self.value(item, depth + 1);
            }
            self.out.push(']');
        }
        if array.is_typed() {
            self.out.push(')');
        }
    }
}

/// Basis elements row by row, as Godot writes (and reads) them.
fn basis_rows(b: &Basis) -> [f32; 9] {
    let [r0, r1, r2] = b.rows;
    [r0.x, r0.y, r0.z, r1.x, r1.y, r1.z, r2.x, r2.y, r2.z]
}

impl VariantType {
    /// Godot's name for the type (`Variant::get_type_name`): `"int"`, `"Vector2"`, `"AABB"`, …
    pub fn name(self) -> &'static str {
        TYPE_NAMES[self.id() as usize]
    }

    /// The type with Godot's name `name`, as typed-container text uses it (`Array[int]`).
    pub fn from_name(name: &str) -> Option<Self> {
        TYPE_NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| VariantType::from_id(i as u8))
    }
}

const TYPE_NAMES: [&str; VariantType::MAX as usize] = [
    "Nil",
    "bool",
    "int",
    "float",
    "String",
    "Vector2",
    "Vector2i",
    "Rect2",
    "Rect2i",
    "Vector3",
    "Vector3i",
    "Transform2D",
    "Vector4",
    "Vector4i",
    "Plane",
    "Quaternion",
    "AABB",
    "Basis",
    "Transform3D",
    "Projection",
    "Color",
    "StringName",
    "NodePath",
    "RID",
    "Object",
    "Callable",
    "Signal",
    "Dictionary",
    "Array",
    "PackedByteArray",
    "PackedInt32Array",
    "PackedInt64Array",
    "PackedFloat32Array",
    "PackedFloat64Array",
    "PackedStringArray",
    "PackedVector2Array",
    "PackedVector3Array",
    "PackedColorArray",
    "PackedVector4Array",
];
