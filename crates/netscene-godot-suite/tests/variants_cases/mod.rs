//! The values of godot/variants/cases.gd, built in Rust (the variants test's expectations).

use netscene::variant::{
    Aabb, Array, Basis, Color, ContainerType, Dictionary, NodePath, ObjectValue, Plane, Projection,
    Quaternion, Rect2, Rect2i, Rid, Signal, StringName, Transform2D, Transform3D, Variant,
    VariantType, Vector2, Vector2i, Vector3, Vector3i, Vector4, Vector4i,
};

/// A GDScript float literal stored in a `real_t` component: parsed as a double, then narrowed.
fn r(x: f64) -> f32 {
    x as f32
}

fn v2(x: f64, y: f64) -> Vector2 {
    Vector2::new(r(x), r(y))
}

fn v3(x: f64, y: f64, z: f64) -> Vector3 {
    Vector3::new(r(x), r(y), r(z))
}

fn v4(x: f64, y: f64, z: f64, w: f64) -> Vector4 {
    Vector4::new(r(x), r(y), r(z), r(w))
}

fn color(r_: f64, g: f64, b: f64, a: f64) -> Color {
    Color::new(r(r_), r(g), r(b), r(a))
}

fn sn(s: &str) -> Variant {
    Variant::StringName(StringName::new(s))
}

fn np(s: &str) -> Variant {
    Variant::NodePath(NodePath::new(s))
}

fn arr(items: Vec<Variant>) -> Variant {
    Variant::Array(Array::from_vec(items))
}

fn typed_arr(element: VariantType, items: Vec<Variant>) -> Variant {
    Variant::Array(Array::typed(ContainerType::Builtin(element), items))
}

fn dict(entries: Vec<(Variant, Variant)>) -> Variant {
    Variant::Dictionary(entries.into_iter().collect())
}

fn typed_dict(
    key: ContainerType,
    value: ContainerType,
    entries: Vec<(Variant, Variant)>,
) -> Variant {
    let mut d = Dictionary::typed(key, value);
    for (k, v) in entries {
        d.insert(k, v);
    }
    Variant::Dictionary(d)
}

fn builtin(t: VariantType) -> ContainerType {
    ContainerType::Builtin(t)
}

/// The basis of cases.gd: `Basis(x_axis, y_axis, z_axis)` takes columns, netscene keeps rows.
fn basis() -> Basis {
    let (x, y, z) = (v3(1.0, 0.0, 0.0), v3(0.0, 0.5, 0.25), v3(0.0, -0.25, 2.0));
    Basis::new([
        Vector3::new(x.x, y.x, z.x),
        Vector3::new(x.y, y.y, z.y),
        Vector3::new(x.z, y.z, z.z),
    ])
}

/// cases.gd's `many_keys()`.
fn many_keys() -> Variant {
    let mut d = Dictionary::new();
    for i in 0..40i64 {
        let k = (i * 17) % 40;
        let key: Variant = match i % 5 {
            0 => format!("s{k:02}").into(),
            1 => sn(&format!("r{k:02}")),
            2 => v2(k as f64, -k as f64).into(),
            3 => k.into(),
            _ => (k as f64 / 2.0).into(),
        };
        d.insert(key, i);
    }
    Variant::Dictionary(d)
}

/// The values of cases.gd, by name, in the same order. `object_id` is the Godot node's
/// instance id (a placeholder 0 until Godot has said it).
pub fn cases(object_id: u64) -> Vec<(&'static str, Variant)> {
    use VariantType as T;
    let i64_min = i64::MIN;
    vec![
        ("nil", Variant::Nil),
        ("bool_true", true.into()),
        ("bool_false", false.into()),
        ("int_zero", 0i64.into()),
        ("int_neg", (-1i64).into()),
        ("int_i32_max", 2_147_483_647i64.into()),
        ("int_past_i32", 2_147_483_648i64.into()),
        ("int_below_i32", (-2_147_483_649i64).into()),
        ("int_max", i64::MAX.into()),
        ("int_min", i64_min.into()),
        ("float_one", 1.0.into()),
        ("float_tenth", 0.1.into()),
        ("float_third", (1.0f64 / 3.0).into()),
        ("float_neg", (-2.5).into()),
        ("float_neg_zero", (-0.0f64).into()),
        ("float_inf", f64::INFINITY.into()),
        ("float_neg_inf", f64::NEG_INFINITY.into()),
        ("float_nan", f64::NAN.into()),
        ("float_huge", 1e300.into()),
        ("float_tiny", 5e-324.into()),
        ("float_1e15", 1e15.into()),
        ("float_1e16", 1e16.into()),
        ("float_f32_exact", 1234567.0.into()),
        ("float_2_24", 16777216.0.into()),
        ("float_1e_5", 1e-5.into()),
        ("float_f32_max", f64::from(f32::MAX).into()),
        ("float_big", 123456789012.0.into()),
        ("str_empty", "".into()),
        ("str_ascii", "hello".into()),
        ("str_unicode", "héllo ✓ 日本語 🎮".into()),
        ("str_escapes", "line1\nline2\t\"q\" back\\slash".into()),
        ("str_control", "a\u{1}b\r\nc".into()),
        ("v2", v2(1.5, -2.25).into()),
        ("v2_decimals", v2(0.1, 1e10).into()),
        ("v2_inf", v2(f64::INFINITY, f64::NEG_INFINITY).into()),
        ("v2_nan", v2(f64::NAN, 1.0).into()),
        ("v2i", Vector2i::new(i32::MIN, i32::MAX).into()),
        ("rect2", Rect2::new(v2(0.5, -1.0), v2(100.0, 200.25)).into()),
        (
            "rect2i",
            Rect2i::new(Vector2i::new(-5, 6), Vector2i::new(7, -8)).into(),
        ),
        ("v3", v3(1.0, 2.5, -3.75).into()),
        ("v3i", Vector3i::new(1, -2, 3).into()),
        (
            "t2d",
            Transform2D::new(
                v2(0.87758255, 0.47942555),
                v2(-0.47942555, 0.87758255),
                v2(2.0, 3.0),
            )
            .into(),
        ),
        ("v4", v4(1.0, 2.0, 3.0, 4.5).into()),
        ("v4i", Vector4i::new(1, -2, 3, -4).into()),
        ("plane", Plane::new(v3(0.0, 1.0, 0.0), 5.5).into()),
        (
            "quat",
            Quaternion::new(r(0.1), r(0.2), r(0.3), r(0.9273618)).into(),
        ),
        (
            "aabb",
            Aabb::new(v3(-1.0, -2.0, -3.0), v3(4.0, 5.0, 6.0)).into(),
        ),
        ("basis", basis().into()),
        (
            "t3d",
            Transform3D::new(basis(), v3(10.0, 11.0, 12.0)).into(),
        ),
        (
            "projection",
            Projection::new([
                v4(1.0, 2.0, 3.0, 4.0),
                v4(5.0, 6.0, 7.0, 8.0),
                v4(9.0, 10.0, 11.0, 12.0),
                v4(13.0, 14.0, 15.0, 16.5),
            ])
            .into(),
        ),
        ("color", color(0.1, 0.2, 0.3, 0.4).into()),
        ("color_hdr", color(2.0, -1.0, 0.5, 1.0).into()),
        ("sname", sn("my_name")),
        ("sname_empty", sn("")),
        ("sname_unicode", sn("ünï✓")),
        ("np_abs", np("/root/Main:position:x")),
        ("np_rel", np("../a/b")),
        ("np_empty", np("")),
        ("np_subname", np(":position")),
        ("np_unique", np("%Unique/child")),
        ("rid_empty", Rid(0).into()),
        ("rid", Rid(123_456_789).into()),
        ("object_self", Variant::Object(ObjectValue::Id(object_id))),
        ("callable", Variant::Callable),
        (
            "signal",
            Signal {
                name: StringName::new("tree_exiting"),
                object_id,
            }
            .into(),
        ),
        ("arr_empty", arr(vec![])),
        (
            "arr_mixed",
            arr(vec![
                1i64.into(),
                "two".into(),
                3.0.into(),
                Variant::Nil,
                true.into(),
                v2(1.0, 2.0).into(),
                sn("sn"),
                np("a"),
            ]),
        ),
        (
            "arr_nested",
            arr(vec![
                arr(vec![
                    1i64.into(),
                    arr(vec![2i64.into(), arr(vec![3i64.into(), arr(vec![])])]),
                ]),
                dict(vec![(
                    "k".into(),
                    arr(vec![
                        4i64.into(),
                        dict(vec![("deep".into(), vec![1u8, 2].into())]),
                    ]),
                )]),
            ]),
        ),
        ("dict_empty", dict(vec![])),
        (
            "dict_strings",
            dict(vec![
                ("b".into(), 1i64.into()),
                ("a".into(), 2i64.into()),
                (
                    "c".into(),
                    dict(vec![("z".into(), 1i64.into()), ("y".into(), 2i64.into())]),
                ),
            ]),
        ),
        (
            "dict_mixed_keys",
            dict(vec![
                ("b".into(), 1i64.into()),
                (sn("a"), 2i64.into()),
                (3i64.into(), 3i64.into()),
                (2.5.into(), 4i64.into()),
                (Variant::Nil, 5i64.into()),
                (true.into(), 6i64.into()),
                (v2(1.0, 2.0).into(), 7i64.into()),
                (arr(vec![1i64.into()]), 8i64.into()),
                ("A".into(), 9i64.into()),
                (Vector2i::new(0, 0).into(), 10i64.into()),
                ((-7i64).into(), 11i64.into()),
                (sn("z"), 12i64.into()),
            ]),
        ),
        ("dict_many_keys", many_keys()),
        (
            "dict_lua_style",
            // GDScript's Lua-style keys are StringNames.
            dict(vec![(sn("hp"), 10i64.into()), (sn("name"), "x".into())]),
        ),
        (
            "dict_string_like_merged",
            dict(vec![("a".into(), 2i64.into()), (sn("b"), 4i64.into())]),
        ),
        (
            "dict_nan_key",
            dict(vec![
                (f64::NAN.into(), 1i64.into()),
                (1.5.into(), 2i64.into()),
                ((-1.5).into(), 3i64.into()),
            ]),
        ),
        (
            "dict_container_keys",
            dict(vec![
                (arr(vec![1i64.into(), arr(vec![2i64.into()])]), "a".into()),
                (dict(vec![("x".into(), 1i64.into())]), "b".into()),
                (arr(vec![1i64.into()]), "c".into()),
                (arr(vec![0i64.into(), 5i64.into()]), "d".into()),
            ]),
        ),
        (
            "arr_int",
            typed_arr(T::Int, vec![1i64.into(), 2i64.into(), 3i64.into()]),
        ),
        (
            "arr_string",
            typed_arr(T::String, vec!["x".into(), "ü".into()]),
        ),
        (
            "arr_v3",
            typed_arr(T::Vector3, vec![v3(1.0, 2.0, 3.0).into()]),
        ),
        ("arr_float_empty", typed_arr(T::Float, vec![])),
        (
            "arr_sname",
            typed_arr(T::StringName, vec![sn("a"), sn("b")]),
        ),
        (
            "arr_node_empty",
            Variant::Array(Array::typed(
                ContainerType::ClassName("Node".into()),
                vec![],
            )),
        ),
        (
            "arr_of_arrays",
            typed_arr(
                T::Array,
                vec![arr(vec![1i64.into()]), arr(vec![2i64.into(), 3i64.into()])],
            ),
        ),
        (
            "arr_typed_inside",
            arr(vec![
                typed_arr(T::Int, vec![1i64.into()]),
                dict(vec![("t".into(), typed_arr(T::Float, vec![0.5.into()]))]),
            ]),
        ),
        (
            "dict_typed_si",
            typed_dict(
                builtin(T::String),
                builtin(T::Int),
                vec![("b".into(), 2i64.into()), ("a".into(), 1i64.into())],
            ),
        ),
        (
            "dict_typed_iv",
            typed_dict(
                builtin(T::Int),
                builtin(T::Vector2),
                vec![
                    (2i64.into(), v2(1.0, 2.0).into()),
                    (1i64.into(), v2(3.0, 4.0).into()),
                ],
            ),
        ),
        (
            "dict_typed_key_only",
            typed_dict(
                builtin(T::StringName),
                ContainerType::None,
                vec![(sn("k"), arr(vec![1i64.into()])), (sn("j"), "x".into())],
            ),
        ),
        (
            "dict_typed_value_only",
            typed_dict(
                ContainerType::None,
                builtin(T::Float),
                vec![(1i64.into(), 1.5.into()), ("a".into(), 2.5.into())],
            ),
        ),
        ("pba", vec![0u8, 1, 127, 128, 255].into()),
        ("pba_empty", Vec::<u8>::new().into()),
        ("pi32", vec![i32::MIN, 0, i32::MAX].into()),
        ("pi64", vec![i64::MIN, 0, i64::MAX].into()),
        (
            "pf32",
            vec![r(0.1), -2.5, r(1e30), f32::INFINITY, -0.0f32].into(),
        ),
        (
            "pf64",
            vec![0.1, 1.0 / 3.0, 1e300, f64::NEG_INFINITY, 5e-324].into(),
        ),
        ("pf64_nan", vec![f64::NAN, 1.0].into()),
        (
            "pstr",
            vec![
                "a".to_owned(),
                String::new(),
                "ü✓".to_owned(),
                "q\"uote\n".to_owned(),
            ]
            .into(),
        ),
        ("pstr_empty", Vec::<String>::new().into()),
        ("pv2", vec![v2(1.0, 2.0), v2(-0.5, 0.25)].into()),
        ("pv3", vec![v3(1.0, 2.0, 3.0), v3(0.1, 0.2, 0.3)].into()),
        (
            "pcol",
            vec![color(1.0, 0.0, 0.0, 1.0), color(0.1, 0.2, 0.3, 0.4)].into(),
        ),
        ("pv4", vec![v4(1.0, 2.0, 3.0, 4.0)].into()),
        ("pv4_empty", Vec::<Vector4>::new().into()),
    ]
}

/// `value` as it crosses the wire without full objects: Godot (and netscene) name the class of
/// an object-typed container `EncodedObjectAsID`, the class its elements arrive as.
pub fn over_the_wire(value: &Variant) -> Variant {
    let wire_type = |t: &ContainerType| match t {
        ContainerType::ClassName(_) => ContainerType::ClassName("EncodedObjectAsID".into()),
        other => other.clone(),
    };
    match value {
        Variant::Array(a) => Variant::Array(Array::typed(
            wire_type(&a.element_type),
            a.items.iter().map(over_the_wire).collect(),
        )),
        Variant::Dictionary(d) => {
            let mut out = Dictionary::typed(wire_type(&d.key_type), wire_type(&d.value_type));
            for (k, v) in d.iter() {
                out.insert(over_the_wire(k), over_the_wire(v));
            }
            Variant::Dictionary(out)
        }
        other => other.clone(),
    }
}
