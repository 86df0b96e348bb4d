//! Reading and writing the properties a synchronizer names: `Child/Path:prop:sub` relative to
//! its root node (Godot's `get_indexed` / `set_indexed`). The node part resolves as Godot's
//! `get_node`: `:prop` and the editor's `.:prop` are the root itself, `..` its parent, and an
//! absolute path starts at `/root`.
//!
//! The first subname is the node property; further subnames select inside the value: `x`,
//! `y`, `z` of vectors and String keys of dictionaries.

use netscene_variant::{NodePath, StringName, Variant};

use crate::tree::{NodeId, SceneTree};

fn node_and_property<'p>(
    tree: &SceneTree,
    root: NodeId,
    path: &'p NodePath,
) -> Option<(NodeId, &'p StringName, &'p [StringName])> {
    let (property, rest) = path.subnames().split_first()?;
    // Godot's `_get_prop_target`: no node names is the root itself, else `get_node` from it.
    let node = tree.resolve_node_path(root, path)?;
    Some((node, property, rest))
}

fn index(value: &Variant, key: &str) -> Option<Variant> {
    match (value, key) {
        (Variant::Vector2(v), "x") => Some(Variant::Float(f64::from(v.x))),
        (Variant::Vector2(v), "y") => Some(Variant::Float(f64::from(v.y))),
        (Variant::Vector3(v), "x") => Some(Variant::Float(f64::from(v.x))),
        (Variant::Vector3(v), "y") => Some(Variant::Float(f64::from(v.y))),
        (Variant::Vector3(v), "z") => Some(Variant::Float(f64::from(v.z))),
        (Variant::Dictionary(d), k) => d.get(&Variant::String(k.into())).cloned(),
        _ => None,
    }
}

fn index_mut(value: &mut Variant, key: &str, new: Variant) -> bool {
    let component = |v: &Variant| match v {
        Variant::Float(f) => Some(*f as f32),
        Variant::Int(i) => Some(*i as f32),
        _ => None,
    };
    match (value, key) {
        (Variant::Vector2(v), "x") => component(&new).map(|f| v.x = f).is_some(),
        (Variant::Vector2(v), "y") => component(&new).map(|f| v.y = f).is_some(),
        (Variant::Vector3(v), "x") => component(&new).map(|f| v.x = f).is_some(),
        (Variant::Vector3(v), "y") => component(&new).map(|f| v.y = f).is_some(),
        (Variant::Vector3(v), "z") => component(&new).map(|f| v.z = f).is_some(),
        (Variant::Dictionary(d), k) => {
            d.insert(Variant::String(k.into()), new);
            true
        }
        _ => false,
    }
}

/// The value at `path` under `root` (`None` when the node or property is missing).
pub(crate) fn get_indexed(tree: &SceneTree, root: NodeId, path: &NodePath) -> Option<Variant> {
    let (node, property, rest) = node_and_property(tree, root, path)?;
    let mut value = tree.node(node)?.get_property(property)?.clone();
    for key in rest {
        value = index(&value, key)?;
    }
    Some(value)
}

/// Stores `value` at `path` under `root`; false when the node (or, for subnames, the
/// container) is missing.
pub(crate) fn set_indexed(
    tree: &mut SceneTree,
    root: NodeId,
    path: &NodePath,
    value: Variant,
) -> bool {
    let Some((node, property, rest)) = node_and_property(tree, root, path) else {
        return false;
    };
    let Some(n) = tree.node_mut(node) else {
        return false;
    };
    let Some((last, inner)) = rest.split_last() else {
        n.set_property(property.clone(), value);
        return true;
    };
    let Some(mut at) = n.get_property_mut(property) else {
        return false;
    };
    for key in inner {
        // Only dictionaries nest mutably; vector components are leaves.
        let Variant::Dictionary(d) = at else {
            return false;
        };
        let Some(next) = d.get_mut(&Variant::String(key.as_str().into())) else {
            return false;
        };
        at = next;
    }
    index_mut(at, last, value)
}

#[cfg(test)]
mod tests {
    use netscene_variant::{Dictionary, Vector2};

    use super::*;

    #[test]
    fn paths_reach_children_properties_and_subnames() {
        let mut tree = SceneTree::new();
        let root = tree.add_path("/root/Player").unwrap();
        let arm = tree.add_path("/root/Player/Body/Arm").unwrap();
        let v = |x, y| Variant::Vector2(Vector2::new(x, y));
        tree.node_mut(arm)
            .unwrap()
            .set_property("position", v(1.0, 2.0));
        let mut stats = Dictionary::new();
        stats.insert(Variant::String("hp".into()), Variant::Int(3));
        tree.node_mut(root)
            .unwrap()
            .set_property("stats", Variant::Dictionary(stats));

        let path = |p: &str| NodePath::new(p);
        assert_eq!(
            get_indexed(&tree, root, &path("Body/Arm:position")),
            Some(v(1.0, 2.0))
        );
        assert_eq!(
            get_indexed(&tree, root, &path("Body/Arm:position:y")),
            Some(Variant::Float(2.0))
        );
        assert_eq!(
            get_indexed(&tree, root, &path(":stats:hp")),
            Some(Variant::Int(3))
        );
        // The editor's `.:prop`, `..`, and `.` inside a path, as Godot's `get_node`.
        assert_eq!(
            get_indexed(&tree, root, &path(".:stats:hp")),
            Some(Variant::Int(3))
        );
        assert_eq!(
            get_indexed(&tree, arm, &path("../..:stats:hp")),
            Some(Variant::Int(3))
        );
        assert_eq!(
            get_indexed(&tree, root, &path("./Body/./Arm:position:x")),
            Some(Variant::Float(1.0))
        );
        assert_eq!(
            get_indexed(&tree, root, &path("/root/Player/Body/Arm:position:x")),
            Some(Variant::Float(1.0))
        );
        assert_eq!(get_indexed(&tree, root, &path("Body/Leg:position")), None);
        assert_eq!(
            get_indexed(&tree, root, &path("Body/Arm")),
            None,
            "no property"
        );

        assert!(set_indexed(
            &mut tree,
            root,
            &path("Body/Arm:position:x"),
            Variant::Float(9.0)
        ));
        assert_eq!(
            get_indexed(&tree, root, &path("Body/Arm:position")),
            Some(v(9.0, 2.0))
        );
        assert!(set_indexed(
            &mut tree,
            root,
            &path(":stats:hp"),
            Variant::Int(4)
        ));
        assert_eq!(
            get_indexed(&tree, root, &path(":stats:hp")),
            Some(Variant::Int(4))
        );
        assert!(set_indexed(
            &mut tree,
            root,
            &path(":speed"),
            Variant::Int(7)
        ));
        assert_eq!(
            tree.node(root).unwrap().get_property("speed"),
            Some(&Variant::Int(7))
        );
        // A component of a missing property, or of a non-vector, cannot be set.
        assert!(!set_indexed(
            &mut tree,
            root,
            &path(":missing:x"),
            Variant::Float(1.0)
        ));
        assert!(!set_indexed(
            &mut tree,
            root,
            &path(":speed:x"),
            Variant::Float(1.0)
        ));
        assert!(!set_indexed(
            &mut tree,
            root,
            &path("Nope:speed"),
            Variant::Int(1)
        ));
        assert!(set_indexed(
            &mut tree,
            root,
            &path(".:speed"),
            Variant::Int(8)
        ));
        assert_eq!(
            tree.node(root).unwrap().get_property("speed"),
            Some(&Variant::Int(8))
        );
    }
}
