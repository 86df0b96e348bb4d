//! `FromVariant` conversions, `NodePath` parsing (Godot's constructor semantics) and
//! `Dictionary` equality.

use netscene_variant::*;

#[test]
fn ints_are_range_checked() {
    assert_eq!(i64::from_variant(&Variant::Int(i64::MIN)), Some(i64::MIN));
    assert_eq!(i32::from_variant(&Variant::Int(1 << 31)), None);
    assert_eq!(i32::from_variant(&Variant::Int(-(1 << 31))), Some(i32::MIN));
    assert_eq!(u32::from_variant(&Variant::Int(-1)), None);
    assert_eq!(
        u32::from_variant(&Variant::Int(u32::MAX as i64)),
        Some(u32::MAX)
    );
    assert_eq!(u16::from_variant(&Variant::Int(65536)), None);
    assert_eq!(u8::from_variant(&Variant::Int(255)), Some(255));
    assert_eq!(u8::from_variant(&Variant::Float(1.0)), None);
    assert_eq!(i64::from_variant(&Variant::from("1")), None);
}

#[test]
fn floats_accept_ints_as_godot_does() {
    assert_eq!(f64::from_variant(&Variant::Int(7)), Some(7.0));
    assert_eq!(f32::from_variant(&Variant::Float(0.5)), Some(0.5));
    assert_eq!(f64::from_variant(&Variant::Bool(true)), None);
}

#[test]
fn string_like_conversions() {
    let name = Variant::StringName(StringName::new("n"));
    assert_eq!(String::from_variant(&name), Some("n".into()));
    assert_eq!(
        StringName::from_variant(&Variant::from("s")),
        Some(StringName::new("s"))
    );
    assert_eq!(
        NodePath::from_variant(&Variant::from("/root/A")),
        Some(NodePath::new("/root/A"))
    );
    assert_eq!(String::from_variant(&Variant::Int(1)), None);
}

#[test]
fn containers_math_and_variant() {
    let v = Variant::Vector3(Vector3::new(1.0, 2.0, 3.0));
    assert_eq!(Vector3::from_variant(&v), Some(Vector3::new(1.0, 2.0, 3.0)));
    assert_eq!(Vector2::from_variant(&v), None);
    assert_eq!(
        Vec::<u8>::from_variant(&Variant::from(vec![1u8, 2])),
        Some(vec![1, 2])
    );
    assert_eq!(Variant::from_variant(&v), Some(v.clone()));
    assert_eq!(Option::<i32>::from_variant(&Variant::Nil), Some(None));
    assert_eq!(Option::<i32>::from_variant(&Variant::Int(3)), Some(Some(3)));
    assert_eq!(Option::<i32>::from_variant(&Variant::from("x")), None);
    let args = [Variant::Int(1), Variant::Float(2.5), Variant::from("s"), v];
    let tuple: Option<(i32, f32, String, Vector3)> = FromVariantArgs::from_variant_args(&args);
    assert_eq!(
        tuple,
        Some((1, 2.5, "s".into(), Vector3::new(1.0, 2.0, 3.0)))
    );
    let wrong_count: Option<(i32,)> = FromVariantArgs::from_variant_args(&args);
    assert_eq!(wrong_count, None);
    assert_eq!(5i32.to_variant(), Variant::Int(5));
}

fn parts(p: &NodePath) -> (Vec<&str>, Vec<&str>, bool) {
    (
        p.names().iter().map(|n| n.as_str()).collect(),
        p.subnames().iter().map(|n| n.as_str()).collect(),
        p.is_absolute(),
    )
}

#[test]
fn node_path_follows_godot_constructor() {
    assert_eq!(
        parts(&NodePath::new("a/b/c")),
        (vec!["a", "b", "c"], vec![], false)
    );
    assert_eq!(parts(&NodePath::new("/root")), (vec!["root"], vec![], true));
    assert_eq!(parts(&NodePath::new("/")), (vec![], vec![], true));
    assert_eq!(
        parts(&NodePath::new("../x")),
        (vec!["..", "x"], vec![], false)
    );
    // `.` stays a name; repeated slashes are skipped.
    assert_eq!(
        parts(&NodePath::new("./a//b/")),
        (vec![".", "a", "b"], vec![], false)
    );
    assert_eq!(
        parts(&NodePath::new("Main:position:x")),
        (vec!["Main"], vec!["position", "x"], false)
    );
    assert_eq!(parts(&NodePath::new(":x")), (vec![], vec!["x"], false));
    // A trailing ':' is allowed; an empty subname in the middle makes the path invalid (empty).
    assert_eq!(parts(&NodePath::new("a:")), (vec!["a"], vec![], false));
    assert!(NodePath::try_new("a::b").is_err());
    assert!(NodePath::new("a::b").is_empty());
    assert!(NodePath::new("").is_empty());
    assert_eq!(
        NodePath::new("/root/Main:position:x").to_string(),
        "/root/Main:position:x"
    );
    assert_eq!(NodePath::new("a//b").to_string(), "a/b");
}

#[test]
fn node_path_simplified() {
    assert_eq!(NodePath::new("a/./b/../c").simplified().to_string(), "a/c");
    assert_eq!(NodePath::new("a/..").simplified().to_string(), ".");
    assert_eq!(NodePath::new("../../a").simplified().to_string(), "../../a");
    assert_eq!(NodePath::new(".").simplified().to_string(), ".");
}

#[test]
fn dictionary_equality_ignores_order() {
    let mut a = Dictionary::new();
    a.insert("x", 1);
    a.insert("y", 2);
    let mut b = Dictionary::new();
    b.insert("y", 2);
    b.insert("x", 1);
    assert_eq!(a, b);
    b.insert("x", 3);
    assert_ne!(a, b);
    let typed = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::None,
    );
    assert_ne!(Dictionary::new(), typed);
}

#[test]
fn dictionary_equality_after_a_common_prefix() {
    let dict = |entries: &[(&str, i64)]| {
        let mut d = Dictionary::new();
        for (k, v) in entries {
            d.insert(*k, *v);
        }
        d
    };
    let a = dict(&[("p", 0), ("x", 1), ("y", 2), ("z", 3)]);
    assert_eq!(a, dict(&[("p", 0), ("y", 2), ("x", 1), ("z", 3)]));
    assert_eq!(a, dict(&[("p", 0), ("z", 3), ("y", 2), ("x", 1)]));
    assert_eq!(a, dict(&[("z", 3), ("y", 2), ("x", 1), ("p", 0)]));
    // A differing value in the shared prefix, after it, or a key only one side has.
    assert_ne!(a, dict(&[("p", 9), ("x", 1), ("y", 2), ("z", 3)]));
    assert_ne!(a, dict(&[("p", 0), ("y", 2), ("x", 9), ("z", 3)]));
    assert_ne!(a, dict(&[("p", 0), ("y", 2), ("x", 1), ("w", 3)]));
    // The first out-of-order pair is never matched with itself.
    assert_ne!(dict(&[("x", 1), ("y", 2)]), dict(&[("w", 1), ("y", 2)]));
}
