//! Godot's math value types, as plain `Copy` structs with public fields.
//!
//! Components are [`Real`] (`f32`, Godot's default `real_t`). Values decoded from a
//! double-precision Godot build (`FLAG_64`) are narrowed to `f32`, as a standard Godot
//! build does; the encoder can still write `f64` for double builds.

/// Godot's `real_t` in a standard (single-precision) build.
pub type Real = f32;

macro_rules! plain_struct {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct $name {
            $(#[allow(missing_docs)] pub $field: $ty,)*
        }
        impl $name {
            /// Builds the value from its components, in Godot's constructor order.
            pub const fn new($($field: $ty),*) -> Self {
                Self { $($field),* }
            }
        }
    };
}

plain_struct!(
    /// Godot `Vector2`.
    Vector2 { x: Real, y: Real }
);
plain_struct!(
    /// Godot `Vector2i`.
    Vector2i { x: i32, y: i32 }
);
plain_struct!(
    /// Godot `Vector3`.
    Vector3 { x: Real, y: Real, z: Real }
);
plain_struct!(
    /// Godot `Vector3i`.
    Vector3i { x: i32, y: i32, z: i32 }
);
plain_struct!(
    /// Godot `Vector4`.
    Vector4 { x: Real, y: Real, z: Real, w: Real }
);
plain_struct!(
    /// Godot `Vector4i`.
    Vector4i { x: i32, y: i32, z: i32, w: i32 }
);
plain_struct!(
    /// Godot `Rect2`: position and size.
    Rect2 { position: Vector2, size: Vector2 }
);
plain_struct!(
    /// Godot `Rect2i`: position and size.
    Rect2i { position: Vector2i, size: Vector2i }
);
plain_struct!(
    /// Godot `Transform2D`: the x and y basis axes (columns) and the origin.
    Transform2D { x: Vector2, y: Vector2, origin: Vector2 }
);
plain_struct!(
    /// Godot `Plane`: normal and distance from the origin.
    Plane { normal: Vector3, d: Real }
);
plain_struct!(
    /// Godot `Quaternion`.
    Quaternion { x: Real, y: Real, z: Real, w: Real }
);
plain_struct!(
    /// Godot `AABB`: position and size.
    Aabb { position: Vector3, size: Vector3 }
);
plain_struct!(
    /// Godot `Basis`: three rows (`rows[r]` holds component r of the x, y and z axes).
    Basis { rows: [Vector3; 3] }
);
plain_struct!(
    /// Godot `Transform3D`: basis and origin.
    Transform3D { basis: Basis, origin: Vector3 }
);
plain_struct!(
    /// Godot `Projection`: four columns.
    Projection { columns: [Vector4; 4] }
);
plain_struct!(
    /// Godot `Color`: always single precision, as Godot stores it.
    Color { r: f32, g: f32, b: f32, a: f32 }
);

impl Transform2D {
    /// `Transform2D.IDENTITY`.
    pub const IDENTITY: Self = Self::new(
        Vector2::new(1.0, 0.0),
        Vector2::new(0.0, 1.0),
        Vector2::new(0.0, 0.0),
    );
}

impl Quaternion {
    /// `Quaternion.IDENTITY`.
    pub const IDENTITY: Self = Self::new(0.0, 0.0, 0.0, 1.0);
}

impl Basis {
    /// `Basis.IDENTITY`.
    pub const IDENTITY: Self = Self::new([
        Vector3::new(1.0, 0.0, 0.0),
        Vector3::new(0.0, 1.0, 0.0),
        Vector3::new(0.0, 0.0, 1.0),
    ]);
}

impl Transform3D {
    /// `Transform3D.IDENTITY`.
    pub const IDENTITY: Self = Self::new(Basis::IDENTITY, Vector3::new(0.0, 0.0, 0.0));
}

impl Projection {
    /// `Projection.IDENTITY`.
    pub const IDENTITY: Self = Self::new([
        Vector4::new(1.0, 0.0, 0.0, 0.0),
        Vector4::new(0.0, 1.0, 0.0, 0.0),
        Vector4::new(0.0, 0.0, 1.0, 0.0),
        Vector4::new(0.0, 0.0, 0.0, 1.0),
    ]);
}
