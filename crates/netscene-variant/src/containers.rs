//! `Array` and `Dictionary`, optionally typed, and the key hashing that keeps decoding a
//! dictionary linear in its size.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

use crate::variant::{ObjectValue, Variant, VariantType};

/// The element (or key/value) type of a typed container (`Array[int]`, `Dictionary[String, Node]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum ContainerType {
    /// Untyped.
    #[default]
    None,
    /// A builtin type, e.g. `Array[int]`.
    Builtin(VariantType),
    /// A native class name, e.g. `Array[Node]` (`EncodedObjectAsID` on the wire without full objects).
    ClassName(String),
    /// A script type, identified by its `res://` path.
    Script(String),
}

impl ContainerType {
    /// True for `ContainerType::None`.
    pub fn is_none(&self) -> bool {
        matches!(self, ContainerType::None)
    }
}

/// Godot `Array`, optionally typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Array {
    /// Element type (`ContainerType::None` for a plain `Array`).
    pub element_type: ContainerType,
    /// The elements.
    pub items: Vec<Variant>,
}

impl Array {
    /// An untyped array of these items.
    pub fn from_vec(items: Vec<Variant>) -> Self {
        Self {
            element_type: ContainerType::None,
            items,
        }
    }

    /// A typed array (`Array[int]` is `Array::typed(ContainerType::Builtin(VariantType::Int), …)`).
    pub fn typed(element_type: ContainerType, items: Vec<Variant>) -> Self {
        Self {
            element_type,
            items,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// True when the array has an element type.
    pub fn is_typed(&self) -> bool {
        !self.element_type.is_none()
    }
}

/// Godot `Dictionary`: insertion-ordered, optionally typed.
///
/// Keys compare with `Variant`'s `PartialEq`; [`insert`](Self::insert) and [`get`](Self::get) are
/// linear, which suits the small dictionaries that cross the network (the decoder uses a hashed
/// index internally so hostile input with many keys stays linear). Equality ignores order, as
/// Godot's `==` on dictionaries does.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// Key type (`ContainerType::None` for a plain `Dictionary`).
    pub key_type: ContainerType,
    /// Value type.
    pub value_type: ContainerType,
    entries: Vec<(Variant, Variant)>,
}

impl Dictionary {
    /// An empty untyped dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty typed dictionary (`Dictionary[String, int]`).
    pub fn typed(key_type: ContainerType, value_type: ContainerType) -> Self {
        Self {
            key_type,
            value_type,
            entries: Vec::new(),
        }
    }

    /// Inserts or replaces (keeping the original position, as Godot does).
    pub fn insert(&mut self, key: impl Into<Variant>, value: impl Into<Variant>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value for `key`.
    pub fn get(&self, key: &Variant) -> Option<&Variant> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &Variant) -> Option<&mut Variant> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &Variant) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &Variant) -> Option<Variant> {
        let index = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(index).1)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Variant, &Variant)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &Variant> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Variant> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when the key or the value type is set.
    pub fn is_typed(&self) -> bool {
        !self.key_type.is_none() || !self.value_type.is_none()
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        if self.key_type != other.key_type
            || self.value_type != other.value_type
            || self.entries.len() != other.entries.len()
        {
            return false;
        }
        // Same order is the common case; otherwise compare as maps, as Godot does.
        self.entries == other.entries
            || self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|ov| ov == v))
    }
}

impl FromIterator<(Variant, Variant)> for Dictionary {
    fn from_iter<T: IntoIterator<Item = (Variant, Variant)>>(iter: T) -> Self {
        let mut builder = DictionaryBuilder::new(ContainerType::None, ContainerType::None, 0);
        for (k, v) in iter {
            builder.insert(k, v);
        }
        builder.finish()
    }
}

impl<'a> IntoIterator for &'a Dictionary {
    type Item = (&'a Variant, &'a Variant);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Variant, Variant)>,
        fn(&'a (Variant, Variant)) -> (&'a Variant, &'a Variant),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

const NO_NEXT: usize = usize::MAX;

/// Builds a dictionary with Godot's `d[key] = value` semantics (a repeated key replaces the value
/// in place) in time linear in the number of entries: keys are bucketed by a hash consistent with
/// `Variant`'s `PartialEq`, so many distinct keys from a hostile peer cannot make it quadratic.
pub(crate) struct DictionaryBuilder {
    dict: Dictionary,
    /// Hash → index of the first entry with that hash.
    heads: HashMap<u64, usize>,
    /// Per entry: index of the next entry with the same hash.
    next: Vec<usize>,
    hash_state: RandomState,
}

impl DictionaryBuilder {
    pub(crate) fn new(key_type: ContainerType, value_type: ContainerType, capacity: usize) -> Self {
        let mut dict = Dictionary::typed(key_type, value_type);
        dict.entries.reserve(capacity);
        Self {
            dict,
            heads: HashMap::with_capacity(capacity),
            next: Vec::with_capacity(capacity),
            // A per-process random seed keeps collisions unpredictable for a remote peer.
            hash_state: RandomState::new(),
        }
    }

    pub(crate) fn insert(&mut self, key: Variant, value: Variant) {
        let mut hasher = self.hash_state.build_hasher();
        hash_variant(&key, &mut hasher);
        let hash = hasher.finish();
        let new_index = self.dict.entries.len();
        match self.heads.get(&hash) {
            Some(&head) => {
                let mut i = head;
                loop {
                    if self.dict.entries[i].0 == key {
                        self.dict.entries[i].1 = value;
                        return;
                    }
                    if self.next[i] == NO_NEXT {
                        break;
                    }
                    i = self.next[i];
                }
                self.next[i] = new_index;
            }
            None => {
                self.heads.insert(hash, new_index);
            }
        }
        self.dict.entries.push((key, value));
        self.next.push(NO_NEXT);
    }

    pub(crate) fn finish(self) -> Dictionary {
        self.dict
    }
}

fn hash_reals(values: &[f32], h: &mut impl Hasher) {
    for &x in values {
        // 0.0 == -0.0 under PartialEq, so both must hash alike.
        let bits = if x == 0.0 { 0 } else { x.to_bits() };
        h.write_u32(bits);
    }
}

/// A hash consistent with `Variant`'s `PartialEq` (equal values hash alike). Cheap for large
/// nested values: dictionaries contribute only their length.
pub(crate) fn hash_variant(v: &Variant, h: &mut impl Hasher) {
    h.write_u8(v.get_type().id());
    match v {
        Variant::Nil | Variant::Callable => {}
        Variant::Bool(b) => b.hash(h),
        Variant::Int(i) => i.hash(h),
        Variant::Float(f) => h.write_u64(if *f == 0.0 { 0 } else { f.to_bits() }),
        Variant::String(s) => s.hash(h),
        Variant::StringName(s) => s.as_str().hash(h),
        Variant::NodePath(p) => p.hash(h),
        Variant::Rid(r) => r.hash(h),
        Variant::Vector2(v) => hash_reals(&[v.x, v.y], h),
        Variant::Vector2i(v) => [v.x, v.y].hash(h),
        Variant::Rect2(r) => hash_reals(&[r.position.x, r.position.y, r.size.x, r.size.y], h),
        Variant::Rect2i(r) => [r.position.x, r.position.y, r.size.x, r.size.y].hash(h),
        Variant::Vector3(v) => hash_reals(&[v.x, v.y, v.z], h),
        Variant::Vector3i(v) => [v.x, v.y, v.z].hash(h),
        Variant::Vector4(v) => hash_reals(&[v.x, v.y, v.z, v.w], h),
        Variant::Vector4i(v) => [v.x, v.y, v.z, v.w].hash(h),
        Variant::Quaternion(q) => hash_reals(&[q.x, q.y, q.z, q.w], h),
        Variant::Color(c) => hash_reals(&[c.r, c.g, c.b, c.a], h),
        Variant::Plane(p) => hash_reals(&[p.normal.x, p.normal.y, p.normal.z, p.d], h),
        Variant::Transform2D(t) => hash_reals(&[t.origin.x, t.origin.y, t.x.x, t.y.y], h),
        Variant::Aabb(a) => hash_reals(&[a.position.x, a.position.y, a.position.z], h),
        Variant::Basis(b) => hash_reals(&[b.rows[0].x, b.rows[1].y, b.rows[2].z], h),
        Variant::Transform3D(t) => hash_reals(&[t.origin.x, t.origin.y, t.origin.z], h),
        Variant::Projection(p) => hash_reals(&[p.columns[3].x, p.columns[3].y, p.columns[3].z], h),
        Variant::Object(o) => match o {
            ObjectValue::Null => h.write_u8(0),
            ObjectValue::Id(id) => id.hash(h),
            ObjectValue::Full { class, .. } => class.hash(h),
        },
        Variant::Signal(s) => {
            s.name.as_str().hash(h);
            s.object_id.hash(h);
        }
        Variant::Dictionary(d) => d.len().hash(h),
        Variant::Array(a) => {
            a.element_type.hash(h);
            a.items.len().hash(h);
            for item in &a.items {
                hash_variant(item, h);
            }
        }
        Variant::PackedByteArray(a) => a.hash(h),
        Variant::PackedInt32Array(a) => a.hash(h),
        Variant::PackedInt64Array(a) => a.hash(h),
        Variant::PackedStringArray(a) => a.hash(h),
        Variant::PackedFloat32Array(a) => hash_reals(a, h),
        Variant::PackedFloat64Array(a) => a.len().hash(h),
        Variant::PackedVector2Array(a) => a.len().hash(h),
        Variant::PackedVector3Array(a) => a.len().hash(h),
        Variant::PackedColorArray(a) => a.len().hash(h),
        Variant::PackedVector4Array(a) => a.len().hash(h),
    }
}
