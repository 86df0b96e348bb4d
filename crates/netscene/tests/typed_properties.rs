//! Typed property access on nodes (`Node::get`, `Node::set`, `Node::update`) and the rule that
//! keeps a property's Variant type, so a server cannot send Godot a type it does not expect.

use netscene::variant::{VariantType, Vector2, Vector2i};
use netscene::{NodeId, PropertyError, SceneTree, StringName, Variant};

fn player() -> (SceneTree, NodeId) {
    let mut tree = SceneTree::new();
    let id = tree.add_path("/root/Player").unwrap();
    (tree, id)
}

#[test]
fn get_converts_as_godot_does_and_names_the_failure() {
    let (mut tree, id) = player();
    let node = tree.node_mut(id).unwrap();
    node.set_property("hp", Variant::Int(7));
    node.set_property("position", Variant::Vector2(Vector2::new(1.5, -2.0)));

    assert_eq!(node.get::<i64>("hp"), Ok(7));
    assert_eq!(node.get::<u8>("hp"), Ok(7));
    // An int reads as a float, as Godot converts an int argument for a float parameter.
    assert_eq!(node.get::<f64>("hp"), Ok(7.0));
    assert_eq!(node.get::<Vector2>("position"), Ok(Vector2::new(1.5, -2.0)));

    let err = node.get::<Vector2i>("position").unwrap_err();
    assert_eq!(
        err,
        PropertyError::Conversion {
            property: StringName::from("position"),
            expected: std::any::type_name::<Vector2i>(),
            found: VariantType::Vector2,
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("position") && message.contains("Vector2i"),
        "{message}"
    );

    assert_eq!(
        node.get::<i64>("mana"),
        Err(PropertyError::Missing {
            property: StringName::from("mana")
        })
    );
    assert!(
        node.get::<i64>("mana")
            .unwrap_err()
            .to_string()
            .contains("mana")
    );
}

#[test]
fn set_keeps_the_type_the_property_holds() {
    let (mut tree, id) = player();
    let node = tree.node_mut(id).unwrap();
    // Absent: the first value declares the type.
    node.set("speed", 200.0).unwrap();
    node.set("position", Vector2::new(0.0, 0.0)).unwrap();
    node.set("name_tag", StringName::from("alice")).unwrap();

    // Same type: accepted.
    node.set("speed", 250.0).unwrap();
    node.set("position", Vector2::new(3.0, 4.0)).unwrap();
    assert_eq!(node.get::<f64>("speed"), Ok(250.0));

    // An int where Godot declares float.
    assert_eq!(
        node.set("speed", 300),
        Err(PropertyError::TypeMismatch {
            property: StringName::from("speed"),
            declared: VariantType::Float,
            got: VariantType::Int,
        })
    );
    // A Vector2i where Godot declares Vector2.
    let err = node.set("position", Vector2i::new(5, 6)).unwrap_err();
    assert_eq!(
        err,
        PropertyError::TypeMismatch {
            property: StringName::from("position"),
            declared: VariantType::Vector2,
            got: VariantType::Vector2i,
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("position") && message.contains("Vector2i"),
        "{message}"
    );
    // A String where the property holds a StringName.
    assert!(matches!(
        node.set("name_tag", "bob"),
        Err(PropertyError::TypeMismatch {
            declared: VariantType::StringName,
            got: VariantType::String,
            ..
        })
    ));

    // Refused values leave the property unchanged.
    assert_eq!(node.get_property("speed"), Some(&Variant::Float(250.0)));
    assert_eq!(
        node.get_property("position"),
        Some(&Variant::Vector2(Vector2::new(3.0, 4.0)))
    );
    assert_eq!(
        node.get_property("name_tag"),
        Some(&Variant::StringName(StringName::from("alice")))
    );
}

#[test]
fn null_takes_any_type_and_the_untyped_setter_is_unchanged() {
    let (mut tree, id) = player();
    let node = tree.node_mut(id).unwrap();
    node.set_property("target", Variant::Nil);
    node.set("target", Vector2::new(1.0, 1.0)).unwrap();
    assert_eq!(node.get::<Vector2>("target"), Ok(Vector2::new(1.0, 1.0)));
    assert!(node.set("target", 1).is_err());

    // set_property stores any type, as before: the escape hatch.
    node.set_property("target", Variant::Int(1));
    assert_eq!(node.get::<i64>("target"), Ok(1));
    // ... and from then on the typed setter keeps the new type.
    assert!(node.set("target", Vector2::new(0.0, 0.0)).is_err());
    node.set("target", 2).unwrap();
    assert_eq!(node.get_property("target"), Some(&Variant::Int(2)));
}

#[test]
fn update_reads_changes_and_stores_with_the_same_rule() {
    let (mut tree, id) = player();
    let node = tree.node_mut(id).unwrap();
    node.set("position", Vector2::new(1.0, 2.0)).unwrap();
    node.update("position", |p: &mut Vector2| {
        p.x += 10.0;
        p.y *= 2.0;
    })
    .unwrap();
    assert_eq!(node.get::<Vector2>("position"), Ok(Vector2::new(11.0, 4.0)));

    node.set("hp", 10).unwrap();
    node.update("hp", |hp: &mut i64| *hp -= 3).unwrap();
    assert_eq!(node.get_property("hp"), Some(&Variant::Int(7)));

    // Reading an int property as f64 converts, but storing the f64 back would change the
    // type Godot sees: refused, value unchanged.
    assert!(matches!(
        node.update("hp", |hp: &mut f64| *hp += 0.5),
        Err(PropertyError::TypeMismatch {
            declared: VariantType::Int,
            got: VariantType::Float,
            ..
        })
    ));
    assert_eq!(node.get_property("hp"), Some(&Variant::Int(7)));

    let mut called = false;
    assert!(matches!(
        node.update("missing", |_: &mut i64| called = true),
        Err(PropertyError::Missing { .. })
    ));
    assert!(!called, "the closure does not run without a value");
}
