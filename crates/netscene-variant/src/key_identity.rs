//! When two dictionary keys are the same key, as Godot 4.6's `Dictionary` decides it
//! (`StringLikeVariantComparator` over `Variant::hash_compare`, core/variant/variant.cpp).
//!
//! * A `String` and a `StringName` with the same text are one key: `d["a"]` finds the entry
//!   `d[&"a"]` made, and GDScript's Lua-style `{hp = 10}` (whose keys are `StringName`s) answers
//!   `d["hp"]`. Only at the top of a key: inside an array key, `"a"` and `&"a"` differ.
//! * Otherwise keys must be of the same type and equal, except that NaN is the same key as
//!   NaN, in floats, in the components of math types and in packed float arrays, at any depth
//!   (a NaN key can be found again; two NaN keys are one).
//!
//! `Variant`'s `==` stays IEEE (`NaN != NaN`, `"a" != &"a"`); this is only about keys.

use crate::containers::{Array, Dictionary};
use crate::variant::Variant;

/// True when `a` and `b` are the same dictionary key for Godot.
pub(crate) fn same_key(a: &Variant, b: &Variant) -> bool {
    match (string_like(a), string_like(b)) {
        (Some(x), Some(y)) => x == y,
        _ => same_value(a, b),
    }
}

fn string_like(v: &Variant) -> Option<&str> {
    match v {
        Variant::String(s) => Some(s),
        Variant::StringName(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Godot's `hash_compare`: `==`, except that NaN matches NaN.
fn same_value(a: &Variant, b: &Variant) -> bool {
    use Variant as V;
    match (a, b) {
        (V::Float(x), V::Float(y)) => same_f64(*x, *y),
        (V::Vector2(x), V::Vector2(y)) => reals(&[x.x, x.y], &[y.x, y.y]),
        (V::Vector3(x), V::Vector3(y)) => reals(&[x.x, x.y, x.z], &[y.x, y.y, y.z]),
        (V::Vector4(x), V::Vector4(y)) => reals(&[x.x, x.y, x.z, x.w], &[y.x, y.y, y.z, y.w]),
        (V::Rect2(x), V::Rect2(y)) => reals(
            &[x.position.x, x.position.y, x.size.x, x.size.y],
            &[y.position.x, y.position.y, y.size.x, y.size.y],
        ),
        (V::Plane(x), V::Plane(y)) => reals(
            &[x.normal.x, x.normal.y, x.normal.z, x.d],
            &[y.normal.x, y.normal.y, y.normal.z, y.d],
        ),
        (V::Quaternion(x), V::Quaternion(y)) => reals(&[x.x, x.y, x.z, x.w], &[y.x, y.y, y.z, y.w]),
        (V::Color(x), V::Color(y)) => reals(&[x.r, x.g, x.b, x.a], &[y.r, y.g, y.b, y.a]),
        (V::Aabb(x), V::Aabb(y)) => {
            reals(
                &[x.position.x, x.position.y, x.position.z],
                &[y.position.x, y.position.y, y.position.z],
            ) && reals(
                &[x.size.x, x.size.y, x.size.z],
                &[y.size.x, y.size.y, y.size.z],
            )
        }
        (V::Transform2D(x), V::Transform2D(y)) => [(x.x, y.x), (x.y, y.y), (x.origin, y.origin)]
            .iter()
            .all(|(p, q)| reals(&[p.x, p.y], &[q.x, q.y])),
        (V::Basis(x), V::Basis(y)) => rows(&x.rows, &y.rows),
        (V::Transform3D(x), V::Transform3D(y)) => {
            rows(&x.basis.rows, &y.basis.rows)
                && reals(
                    &[x.origin.x, x.origin.y, x.origin.z],
                    &[y.origin.x, y.origin.y, y.origin.z],
                )
        }
        (V::Projection(x), V::Projection(y)) => x
            .columns
            .iter()
            .zip(&y.columns)
            .all(|(p, q)| reals(&[p.x, p.y, p.z, p.w], &[q.x, q.y, q.z, q.w])),
        (V::PackedFloat32Array(x), V::PackedFloat32Array(y)) => reals(x, y),
        (V::PackedFloat64Array(x), V::PackedFloat64Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_f64(*p, *q))
        }
        (V::PackedVector2Array(x), V::PackedVector2Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| reals(&[p.x, p.y], &[q.x, q.y]))
        }
        (V::PackedVector3Array(x), V::PackedVector3Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| reals(&[p.x, p.y, p.z], &[q.x, q.y, q.z]))
        }
        (V::PackedVector4Array(x), V::PackedVector4Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| reals(&[p.x, p.y, p.z, p.w], &[q.x, q.y, q.z, q.w]))
        }
        (V::PackedColorArray(x), V::PackedColorArray(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| reals(&[p.r, p.g, p.b, p.a], &[q.r, q.g, q.b, q.a]))
        }
        (V::Array(x), V::Array(y)) => same_array(x, y),
        (V::Dictionary(x), V::Dictionary(y)) => same_dictionary(x, y),
        _ => a == b,
    }
}

fn same_f64(x: f64, y: f64) -> bool {
    x == y || (x.is_nan() && y.is_nan())
}

fn reals(x: &[f32], y: &[f32]) -> bool {
    x.len() == y.len()
        && x.iter()
            .zip(y)
            .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
}

fn rows(x: &[crate::math::Vector3; 3], y: &[crate::math::Vector3; 3]) -> bool {
    x.iter()
        .zip(y)
        .all(|(p, q)| reals(&[p.x, p.y, p.z], &[q.x, q.y, q.z]))
}

fn same_array(x: &Array, y: &Array) -> bool {
    x.element_type == y.element_type
        && x.items.len() == y.items.len()
        && x.items.iter().zip(&y.items).all(|(p, q)| same_value(p, q))
}

/// Same entries, keys matched as keys and values compared as `hash_compare` does.
fn same_dictionary(x: &Dictionary, y: &Dictionary) -> bool {
    x.key_type == y.key_type
        && x.value_type == y.value_type
        && crate::containers::entries_match(x, y, same_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::Vector2;
    use crate::node_path::StringName;

    fn sn(s: &str) -> Variant {
        Variant::StringName(StringName::new(s))
    }

    #[test]
    fn strings_and_string_names_of_one_text_are_one_key_at_the_top_only() {
        assert!(same_key(&"a".into(), &sn("a")));
        assert!(same_key(&sn("a"), &"a".into()));
        assert!(!same_key(&"a".into(), &sn("b")));
        let (x, y) = (
            Variant::Array(Array::from_vec(vec!["a".into()])),
            Variant::Array(Array::from_vec(vec![sn("a")])),
        );
        assert!(!same_key(&x, &y));
    }

    #[test]
    fn nan_is_the_same_key_as_nan_at_any_depth() {
        assert!(same_key(&f64::NAN.into(), &(-f64::NAN).into()));
        assert!(same_key(&0.0.into(), &(-0.0).into()));
        assert!(!same_key(&1.0.into(), &1.into()));
        let v = Variant::Vector2(Vector2::new(f32::NAN, 1.0));
        assert!(same_key(&v, &v.clone()));
        let a = Variant::Array(Array::from_vec(vec![v.clone(), f64::NAN.into()]));
        assert!(same_key(&a, &a.clone()));
        let p = Variant::PackedFloat64Array(vec![f64::NAN]);
        assert!(same_key(&p, &p.clone()));
    }

    #[test]
    fn decoded_and_built_dictionaries_follow_godots_keys() {
        // {"a": 1, &"a": 2} on the wire, as netscene could send it: Godot keeps one entry, the
        // first key with the last value, and so does the decoder.
        let bytes: Vec<u8> = [
            0x1b, 0, 0, 0, 2, 0, 0, 0, // Dictionary, 2 entries
            4, 0, 0, 0, 1, 0, 0, 0, b'a', 0, 0, 0, // "a"
            2, 0, 0, 0, 1, 0, 0, 0, // 1
            0x15, 0, 0, 0, 1, 0, 0, 0, b'a', 0, 0, 0, // &"a"
            2, 0, 0, 0, 2, 0, 0, 0, // 2
        ]
        .to_vec();
        let (value, _) = crate::decode_variant(&bytes, &Default::default()).unwrap();
        let Variant::Dictionary(d) = value else {
            panic!("{value:?}")
        };
        assert_eq!(d.len(), 1);
        assert_eq!(
            d.iter().next(),
            Some((&Variant::String("a".into()), &Variant::Int(2)))
        );
        // GDScript's {hp = 10} has a StringName key; a String finds it, and the two
        // dictionaries are equal, as in Godot.
        let mut lua_style = Dictionary::new();
        lua_style.insert(sn("hp"), 10);
        assert_eq!(lua_style.get(&"hp".into()), Some(&Variant::Int(10)));
        let mut plain = Dictionary::new();
        plain.insert("hp", 10);
        assert_eq!(lua_style, plain);
        plain.insert(sn("hp"), 11);
        assert_eq!(plain.len(), 1);
        assert_eq!(plain.get(&"hp".into()), Some(&Variant::Int(11)));
        assert!(plain.remove(&sn("hp")).is_some() && plain.is_empty());
    }

    /// Decodes `bytes` on another thread, failing when it takes over a minute.
    fn decode_within_a_minute(bytes: Vec<u8>) -> Variant {
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(crate::decode_variant(&bytes, &Default::default()));
        });
        result
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("decoding took over a minute: dictionary comparison is not linear")
            .expect("decodes")
            .0
    }

    fn int(v: u32) -> Vec<u8> {
        [2u32.to_le_bytes(), v.to_le_bytes()].concat()
    }

    fn dictionary(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut out = [0x1bu32.to_le_bytes(), (entries.len() as u32).to_le_bytes()].concat();
        for (k, v) in entries {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        out
    }

    #[test]
    fn twin_keys_in_reverse_order_compare_in_linear_time() {
        // Two equal dictionaries of 40 000 entries, one reversed, as the two keys of one
        // dictionary: matching their entries one lookup at a time was 800 million key
        // comparisons (0.8 s in a release build at 16 000 entries, 512 KB).
        let a: Vec<_> = (0..40_000).map(|i| (int(i), int(0))).collect();
        let b: Vec<_> = (0..40_000).rev().map(|i| (int(i), int(0))).collect();
        let bytes = dictionary(&[(dictionary(&a), int(0)), (dictionary(&b), int(1))]);
        let Variant::Dictionary(d) = decode_within_a_minute(bytes) else {
            panic!("a dictionary")
        };
        // The keys are the same key: the second replaced the first's value.
        assert_eq!(d.len(), 1);
        assert_eq!(d.values().next(), Some(&Variant::Int(1)));
    }

    #[test]
    fn twin_keys_nesting_reordered_dictionary_keys_compare_in_linear_time() {
        // Dictionaries whose keys hold the next level down, twins reordered at every level.
        let (mut a, mut b) = (int(0), int(0));
        for _ in 0..48 {
            a = dictionary(&[(a, int(0)), (int(1), int(0)), (int(2), int(0))]);
            b = dictionary(&[(int(2), int(0)), (b, int(0)), (int(1), int(0))]);
        }
        let Variant::Dictionary(d) =
            decode_within_a_minute(dictionary(&[(a, int(0)), (b, int(1))]))
        else {
            panic!("a dictionary")
        };
        assert_eq!(d.len(), 1);
    }
}
