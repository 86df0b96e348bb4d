//! Godot's text form of values: `var_to_str` / `str_to_var` (core/variant/variant_parser.cpp).
//!
//! ```
//! use netscene_variant::{str_to_var, var_to_str, Variant, Vector2};
//! let v = Variant::Vector2(Vector2::new(1.0, 2.5));
//! assert_eq!(var_to_str(&v), "Vector2(1, 2.5)");
//! assert_eq!(str_to_var("Vector2(1, 2.5)").unwrap(), v);
//! ```

mod constructors;
mod float;
mod grisu2;
mod key_order;
mod lex;
mod nesting;
mod parse;
mod typed;
mod write;

use crate::error_code::ErrorCode;
use crate::variant::Variant;

/// Godot's `var_to_str`: the text `VariantWriter` produces, byte for byte where netscene can
/// represent the value (dictionaries over several lines with their keys in Godot's order,
/// `Signal()`, `Object(EncodedObjectAsID,…)` followed by a newline, as Godot writes them).
///
/// Dictionary keys come out as Godot 4.6 sorts them: strings and string names by text, other
/// keys by type id and then by value, through the same sorting steps Godot takes, so even key
/// sets without a consistent order (NaN, mixed types) come out in Godot's order.
#[doc(alias = "VariantWriter")]
pub fn var_to_str(value: &Variant) -> String {
    write_with(value, write::Style::Godot)
}

/// The text form on one line: like [`var_to_str`] but dictionaries are `{k: v, …}` in insertion
/// (wire) order, control characters in strings are escaped, and signals keep their name and
/// object id (`Signal(&"hit", 42)`). [`str_to_var`] reads it back. This is `Variant`'s `Display`.
pub fn var_to_str_one_line(value: &Variant) -> String {
    write_with(value, write::Style::OneLine)
}

fn write_with(value: &Variant, style: write::Style) -> String {
    let mut writer = write::Writer {
        out: String::new(),
        style,
    };
    writer.value(value, 0);
    writer.out
}

/// Godot's `str_to_var`: parses one value in Godot's text form.
///
/// Accepts everything Godot's `VariantParser` reads for values netscene can represent (old
/// names such as `Quat`, `Transform`, `PoolByteArray` too, base64 `PackedByteArray("…")`,
/// `#rrggbb` colors, `;` comments, an object's script as `Resource("res://…")`), plus
/// `^"path"` node paths and `Signal(&"name", id)`. Numbers are read exactly; Godot 4.6's own
/// parser is not (measured: some 17-digit doubles 1–4 ulp off, values below ~1e-297 read as 0),
/// so `str_to_var(var_to_str(x))` gives back `x` here where Godot may not.
/// Stricter than Godot in two ways: text after the value is an error, not ignored, and nesting
/// deeper than [`MAX_DECODE_DEPTH`](crate::MAX_DECODE_DEPTH) is refused, as the binary decoder
/// refuses it (Godot's text parser has no limit and overflows its stack on deep enough input).
///
/// `Array[T]([…])` and `Dictionary[K, V]({…})` keep their elements as Godot's `assign` does:
/// all of them, converted where Godot converts strictly (`1` in an `Array[float]`), or none,
/// leaving the container empty, as soon as one cannot be converted.
#[doc(alias = "VariantParser")]
pub fn str_to_var(text: &str) -> Result<Variant, ParseError> {
    parse::Parser::new(text).parse_document()
}

/// Why [`str_to_var`] refused its input: what, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
#[non_exhaustive]
pub struct ParseError {
    /// Byte offset in the input.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

impl ParseError {
    fn at(pos: lex::Pos, message: impl Into<String>) -> Self {
        Self {
            offset: pos.offset,
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// Godot's code for it: `ERR_PARSE_ERROR`.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::ParseError
    }
}

impl std::fmt::Display for Variant {
    /// The one-line text form ([`var_to_str_one_line`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&var_to_str_one_line(self))
    }
}
