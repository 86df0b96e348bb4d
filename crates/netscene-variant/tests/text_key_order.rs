//! `var_to_str` writes dictionary keys in the order Godot 4.6 does: `StringLikeVariantOrder`
//! (strings and string names by text, everything else by type id, then by value where Godot
//! has `<`) applied by Godot's own introsort, whose steps decide the order wherever the
//! comparison is not a total order (NaN, same-typed keys without `<`, mixed string-like and
//! other keys).

mod common;

use common::*;
use netscene_variant::*;

/// A dictionary with these keys, in this insertion order, each mapped to its position.
fn dict(keys: Vec<Variant>) -> Variant {
    let mut d = Dictionary::new();
    for (i, k) in keys.into_iter().enumerate() {
        d.insert(k, i as i64);
    }
    Variant::Dictionary(d)
}

/// The keys' text in the order `var_to_str` writes them.
fn written_keys(v: &Variant) -> Vec<String> {
    let text = var_to_str(v);
    let body = text
        .strip_prefix("{\n")
        .and_then(|t| t.strip_suffix("\n}"))
        .unwrap_or_else(|| panic!("not a multi-line dictionary: {text:?}"));
    body.split(",\n")
        .map(|entry| entry.rsplit_once(": ").expect("key: value").0.to_owned())
        .collect()
}

fn sn(s: &str) -> Variant {
    Variant::StringName(StringName::new(s))
}

#[test]
fn the_whole_text_of_a_mixed_dictionary() {
    let mut d = Dictionary::new();
    d.insert("b", 1);
    d.insert(
        sn("a"),
        Array::from_vec(vec![Variant::Signal(Signal {
            name: StringName::new("hit"),
            object_id: 7,
        })]),
    );
    d.insert(2.5, Variant::Nil);
    d.insert(-3, "x\ny");
    assert_eq!(
        var_to_str(&d.into()),
        "{\n-3: \"x\ny\",\n2.5: null,\n&\"a\": [Signal()],\n\"b\": 1\n}"
    );
}

#[test]
fn types_in_id_order_then_values() {
    let v = dict(vec![
        Vector2i::new(1, 0).into(),
        Variant::Nil,
        10.into(),
        true.into(),
        (-1).into(),
        false.into(),
        0.5.into(),
        (-0.5).into(),
        v2(1.0, -1.0).into(),
        v2(0.0, 5.0).into(),
        Vector2i::new(0, 9).into(),
        Rid(5).into(),
        Rid(1 << 63).into(),
    ]);
    assert_eq!(
        written_keys(&v),
        [
            "null",
            "false",
            "true",
            "-1",
            "10",
            "-0.5",
            "0.5",
            "Vector2(0, 5)",
            "Vector2(1, -1)",
            "Vector2i(0, 9)",
            "Vector2i(1, 0)",
            // RID ids compare unsigned.
            "RID(5)",
            "RID(-9223372036854775808)",
        ]
    );
}

#[test]
fn strings_and_string_names_interleave_by_code_point() {
    let v = dict(vec![
        "b".into(),
        sn("a"),
        "B".into(),
        "é".into(),
        sn("ab"),
        "".into(),
        "z".into(),
    ]);
    assert_eq!(
        written_keys(&v),
        [
            "\"\"", "\"B\"", "&\"a\"", "&\"ab\"", "\"b\"", "\"z\"", "\"é\""
        ]
    );
}

#[test]
fn ints_before_floats_and_nan_stays_where_insertion_sort_leaves_it() {
    let v = dict(vec![
        10.into(),
        (-1).into(),
        2.5.into(),
        1.into(),
        f64::NAN.into(),
        (-0.5).into(),
        f64::INFINITY.into(),
    ]);
    // NaN is "not less" than anything and nothing is less than it: the insertion sort Godot
    // runs on short arrays stops at it, so the floats after it stay unsorted behind it.
    assert_eq!(
        written_keys(&v),
        ["-1", "1", "10", "2.5", "nan", "-0.5", "inf"]
    );
}

#[test]
fn array_keys_compare_element_by_element() {
    let a = |items: Vec<Variant>| Variant::Array(Array::from_vec(items));
    let v = dict(vec![
        a(vec![2.into()]),
        a(vec![1.into(), 2.into()]),
        a(vec![1.into()]),
        a(vec![]),
        a(vec!["x".into()]),
        a(vec![1.into(), a(vec![0.into()])]),
    ]);
    assert_eq!(
        written_keys(&v),
        ["[]", "[1]", "[1, 2]", "[1, [0]]", "[2]", "[\"x\"]"]
    );
}

#[test]
fn mixed_string_like_and_other_keys_follow_godots_sort() {
    // Not transitive: "z" < Vector2 (type), Vector2 < &"a" (type), &"a" < "z" (text).
    let v = dict(vec![
        "z".into(),
        v2(0.0, 0.0).into(),
        sn("a"),
        1.into(),
        "m".into(),
        sn("q"),
        Variant::Nil,
    ]);
    // Godot's insertion sort (7 keys) walks each key left while it is "less": "m" passes
    // Vector2 and "z" but not &"a"; &"q" does not pass Vector2.
    assert_eq!(
        written_keys(&v),
        [
            "null",
            "1",
            "&\"a\"",
            "\"m\"",
            "\"z\"",
            "Vector2(0, 0)",
            "&\"q\""
        ]
    );
}

#[test]
fn many_keys_go_through_the_introsort() {
    // 40 int keys in a scrambled order, plus keys without `<` among themselves (colors).
    let mut keys: Vec<Variant> = (0..40).map(|i| Variant::Int((i * 17) % 40)).collect();
    keys.push(Color::new(1.0, 0.0, 0.0, 1.0).into());
    keys.push(Color::new(0.0, 1.0, 0.0, 1.0).into());
    let v = dict(keys);
    let written = written_keys(&v);
    let ints: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    assert_eq!(written[..40], ints[..]);
    assert_eq!(written.len(), 42);
}

#[test]
fn hostile_keys_sort_without_panicking() {
    // NaNs, same-typed keys without `<` and non-transitive mixes, many of them: Rust's own
    // sort may panic on such an order; Godot's steps (kept in bounds) do not.
    let mut keys = Vec::new();
    for i in 0..300 {
        keys.push(match i % 6 {
            0 => Variant::Float(if i % 12 == 0 { f64::NAN } else { i as f64 }),
            1 => format!("s{i}").into(),
            2 => sn(&format!("n{}", 300 - i)),
            3 => v2(i as f32, f32::NAN).into(),
            4 => Color::new(i as f32, 0.0, 0.0, 1.0).into(),
            _ => Variant::Int(-i),
        });
    }
    let v = dict(keys);
    let Variant::Dictionary(d) = &v else {
        unreachable!()
    };
    // The NaN keys are one key, as in Godot.
    assert_eq!(d.len(), 300 - 24);
    assert_eq!(written_keys(&v).len(), d.len());
}

#[test]
fn keys_nesting_equal_arrays_sort_in_linear_time() {
    // [X, 0] and [X, 1] with X = [[[…[0]…]]] 60 deep: Godot's Array `<` compares equal
    // elements both ways, 2^60 steps; one three-way walk decides the same order.
    let mut nested = Variant::Int(0);
    for _ in 0..60 {
        nested = Variant::Array(Array::from_vec(vec![nested]));
    }
    let key = |last: i64| Variant::Array(Array::from_vec(vec![nested.clone(), last.into()]));
    let v = dict(vec![key(1), key(0)]);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(var_to_str(&v)));
    let text = result
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("var_to_str took over a minute: key comparison is exponential");
    let zero = text
        .find(&format!("{}, 0]: 1", "]".repeat(60)))
        .expect("key ending in 0");
    let one = text
        .find(&format!("{}, 1]: 0", "]".repeat(60)))
        .expect("key ending in 1");
    assert!(zero < one, "{text}");
}
