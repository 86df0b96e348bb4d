//! Typed property access on a [`Node`]: `get::<Vector2>("position")`, `set("position", v)`.
//!
//! The untyped [`Node::set_property`] stores any `Variant`. A Godot property, though, has one
//! type, and a value of another type replicated to a Godot client is dropped there (a
//! `Vector2i` for `position`) or changes the script variable's type (an `int` where the
//! script declares `float`). So the typed [`Node::set`] keeps the type a property already
//! holds:
//!
//! - a property that is absent or holds `null` takes the value and its type (the first value
//!   declares the type; a Godot project loaded into the tree declares every property its
//!   scenes set);
//! - otherwise the new value must have the same [`VariantType`] as the current one: no
//!   implicit `int` → `float`, `Vector2i` → `Vector2` or `String` → `StringName`, so write
//!   `5.0`, not `5`. The value is left unchanged and [`PropertyError::TypeMismatch`] returned.
//!
//! [`Node::get`] converts as Godot converts a typed argument ([`FromVariant`]): a `float`
//! property reads as `f32` or `f64`, an `int` one as any integer type that holds the value.

use netscene_variant::{FromVariant, StringName, Variant, VariantType};

use super::Node;
use crate::error::PropertyError;

impl Node {
    /// The property `name` converted to `T`: [`PropertyError::Missing`] when the node has no
    /// such property, [`PropertyError::Conversion`] when its value does not convert.
    ///
    /// ```
    /// use netscene::SceneTree;
    /// use netscene::variant::Vector2;
    /// let mut tree = SceneTree::new();
    /// let id = tree.add_path("/root/Player").unwrap();
    /// let player = tree.node_mut(id).unwrap();
    /// player.set("position", Vector2::new(1.0, 2.0)).unwrap();
    /// let position: Vector2 = player.get("position").unwrap();
    /// assert_eq!(position, Vector2::new(1.0, 2.0));
    /// assert!(player.get::<i64>("position").is_err());
    /// ```
    pub fn get<T: FromVariant>(&self, name: &str) -> Result<T, PropertyError> {
        let value = self
            .get_property(name)
            .ok_or_else(|| PropertyError::Missing {
                property: name.into(),
            })?;
        T::from_variant(value).ok_or_else(|| PropertyError::Conversion {
            property: name.into(),
            expected: std::any::type_name::<T>(),
            found: value.get_type(),
        })
    }

    /// Sets the property `name`, keeping the type it already holds, because a Godot property
    /// has one type and a value of another type replicated to a Godot client is dropped there
    /// (a `Vector2i` for `position`) or changes the script variable's type (an `int` where
    /// the script declares `float`):
    ///
    /// - a property that is absent or holds `null` takes the value and its type (the first
    ///   value declares the type; a Godot project loaded into the tree declares the properties
    ///   its scenes set);
    /// - otherwise the new value must have the same [`VariantType`] as the current one: no
    ///   implicit `int` → `float`, `Vector2i` → `Vector2` or `String` → `StringName` (write
    ///   `5.0`, not `5`); [`PropertyError::TypeMismatch`] leaves the value unchanged.
    ///
    /// [`set_property`](Self::set_property) stores any type, as before.
    ///
    /// ```
    /// use netscene::{PropertyError, SceneTree};
    /// use netscene::variant::{Vector2, Vector2i, VariantType};
    /// let mut tree = SceneTree::new();
    /// let id = tree.add_path("/root/Player").unwrap();
    /// let player = tree.node_mut(id).unwrap();
    /// player.set("speed", 200.0).unwrap();
    /// player.set("position", Vector2::new(0.0, 0.0)).unwrap();
    /// // The Godot side declares float and Vector2: an int or a Vector2i is refused.
    /// assert!(matches!(
    ///     player.set("speed", 250),
    ///     Err(PropertyError::TypeMismatch { declared: VariantType::Float, got: VariantType::Int, .. })
    /// ));
    /// assert!(player.set("position", Vector2i::new(3, 4)).is_err());
    /// assert_eq!(player.get::<f64>("speed").unwrap(), 200.0);
    /// ```
    pub fn set(
        &mut self,
        name: impl Into<StringName>,
        value: impl Into<Variant>,
    ) -> Result<(), PropertyError> {
        let name = name.into();
        let value = value.into();
        if let Some(current) = self.get_property(&name) {
            let declared = current.get_type();
            let got = value.get_type();
            if declared != VariantType::Nil && declared != got {
                return Err(PropertyError::TypeMismatch {
                    property: name,
                    declared,
                    got,
                });
            }
        }
        self.set_property(name, value);
        Ok(())
    }

    /// Reads the property `name` as `T`, lets `change` modify it, and stores it back with
    /// [`set`](Self::set)'s type rule: one call for Godot's `position += velocity * delta`.
    ///
    /// ```
    /// use netscene::SceneTree;
    /// use netscene::variant::Vector2;
    /// let mut tree = SceneTree::new();
    /// let id = tree.add_path("/root/Player").unwrap();
    /// let player = tree.node_mut(id).unwrap();
    /// player.set("position", Vector2::new(1.0, 2.0)).unwrap();
    /// player.update("position", |p: &mut Vector2| p.x += 10.0).unwrap();
    /// assert_eq!(player.get::<Vector2>("position").unwrap(), Vector2::new(11.0, 2.0));
    /// ```
    pub fn update<T: FromVariant + Into<Variant>>(
        &mut self,
        name: &str,
        change: impl FnOnce(&mut T),
    ) -> Result<(), PropertyError> {
        let mut value: T = self.get(name)?;
        change(&mut value);
        self.set(name, value)
    }
}
