//! `variant_text`: `str_to_var` on arbitrary UTF-8, and the round trip of what it accepts
//! through both writers (`var_to_str`, Godot's layout, and `var_to_str_one_line`).
//!
//! Property: for an accepted text, `str_to_var(var_to_str(v))` succeeds and equals `v`, and
//! writing the re-read value gives the same text (the writer is a fixed point). Values are
//! compared up to [`normalized`] (a null object is written `null`, as in Godot); values holding
//! a NaN are not equal to themselves, for them only the text comparison applies.
//!
//! Known exception, by design: Godot's `var_to_str` writes every `Signal` as `Signal()` (name
//! and object id are lost, as in Godot), so for the Godot layout a value containing a signal is
//! only checked to re-read; the one-line writer keeps signals and is checked fully.

use crate::normalize::normalized;
use netscene_variant::{Variant, str_to_var, var_to_str, var_to_str_one_line};

/// Parses `data` when it is UTF-8 and checks the round trip of an accepted value.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = str_to_var(text) else {
        return;
    };
    round_trip(&value, "var_to_str", var_to_str, !contains_signal(&value));
    round_trip(&value, "var_to_str_one_line", var_to_str_one_line, true);
}

fn round_trip(value: &Variant, name: &str, write: fn(&Variant) -> String, exact: bool) {
    let written = write(value);
    let again = str_to_var(&written).unwrap_or_else(|e| {
        panic!("{name} wrote text str_to_var refuses: {e}\nvalue: {value:?}\ntext: {written:?}")
    });
    if !exact {
        return;
    }
    let value = normalized(value);
    if crate::normalize::self_equal(&value) {
        assert_eq!(
            value,
            normalized(&again),
            "{name} does not read back equal\ntext: {written:?}"
        );
    }
    let rewritten = write(&again);
    assert_eq!(written, rewritten, "{name} is not a fixed point");
}

/// True when a `Signal` sits anywhere in `value` (Godot's layout drops its content).
fn contains_signal(value: &Variant) -> bool {
    match value {
        Variant::Signal(_) => true,
        Variant::Array(array) => array.items.iter().any(contains_signal),
        Variant::Dictionary(dict) => dict
            .iter()
            .any(|(k, v)| contains_signal(k) || contains_signal(v)),
        Variant::Object(netscene_variant::ObjectValue::Full { properties, .. }) => {
            properties.iter().any(|(_, v)| contains_signal(v))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_parses_and_round_trips() {
        let dir = format!("{}/corpus/variant_text", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let text = std::str::from_utf8(&data).unwrap();
            assert!(str_to_var(text).is_ok(), "{path:?}: {:?}", str_to_var(text));
            check(&data);
        }
    }
}
