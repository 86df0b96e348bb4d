//! `Array` and `Dictionary`, optionally typed, and the key hashing that keeps decoding a
//! dictionary linear in its size.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

use crate::key_identity::same_key;
use crate::math::{Vector2, Vector3, Vector4};
use crate::variant::{ObjectValue, Variant, VariantType};

/// The element (or key/value) type of a typed container (`Array[int]`, `Dictionary[String, Node]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
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
/// Keys match as in Godot 4.6: a `String` and a `StringName` of the same text are one key
/// (GDScript's `{hp = 10}` has `StringName` keys, and `get(&"hp".into())` finds them), and NaN
/// matches NaN; otherwise by `Variant`'s `==`. [`insert`](Self::insert) and [`get`](Self::get)
/// are linear, which suits the small dictionaries that cross the network (the decoder uses a
/// hashed index internally so hostile input with many keys stays linear). Equality ignores
/// order, as Godot's `==` on dictionaries does.
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

    /// Inserts or replaces (keeping the original key and position, as Godot does).
    pub fn insert(&mut self, key: impl Into<Variant>, value: impl Into<Variant>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| same_key(k, &key)) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value for `key`.
    pub fn get(&self, key: &Variant) -> Option<&Variant> {
        self.entries
            .iter()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &Variant) -> Option<&mut Variant> {
        self.entries
            .iter_mut()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &Variant) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &Variant) -> Option<Variant> {
        let index = self.entries.iter().position(|(k, _)| same_key(k, key))?;
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

    /// The entries in insertion order, taken out.
    pub(crate) fn into_entries(self) -> Vec<(Variant, Variant)> {
        self.entries
    }

    /// True when the key or the value type is set.
    pub fn is_typed(&self) -> bool {
        !self.key_type.is_none() || !self.value_type.is_none()
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        self.key_type == other.key_type
            && self.value_type == other.value_type
            && entries_match(self, other, |v, w| v == w)
    }
}

/// Compares two dictionaries as maps, as Godot does: the same number of entries, and for each
/// entry of `a` the entry of `b` with the same key, whose value `values_match` accepts.
///
/// Each pair of entries is compared at most once, so the work is linear in the dictionaries'
/// size at every nesting level: in order while the keys match (the common case), then through
/// a hash of the remaining keys. Comparing a pair twice made nested reordered dictionaries
/// 2^depth work, and looking keys up one by one made reordered ones quadratic, both of which a
/// peer could send (as twin keys of one dictionary) to tie up the decoder.
pub(crate) fn entries_match(
    a: &Dictionary,
    b: &Dictionary,
    values_match: impl Fn(&Variant, &Variant) -> bool,
) -> bool {
    if a.entries.len() != b.entries.len() {
        return false;
    }
    let mut in_order = 0;
    for ((k, v), (l, w)) in a.entries.iter().zip(&b.entries) {
        if !same_key(k, l) {
            break;
        }
        if !values_match(v, w) {
            return false;
        }
        in_order += 1;
    }
    let (rest, b_rest) = (&a.entries[in_order..], &b.entries[in_order..]);
    if rest.is_empty() {
        return true;
    }
    let state = RandomState::new();
    let hash = |key: &Variant| {
        let mut h = state.build_hasher();
        hash_variant(key, &mut h);
        h.finish()
    };
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::with_capacity(b_rest.len());
    for (j, (l, _)) in b_rest.iter().enumerate() {
        by_hash.entry(hash(l)).or_default().push(j);
    }
    rest.iter().all(|(k, v)| {
        by_hash
            .get(&hash(k))
            .and_then(|candidates| candidates.iter().find(|&&j| same_key(&b_rest[j].0, k)))
            .is_some_and(|&j| values_match(v, &b_rest[j].1))
    })
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
                    if same_key(&self.dict.entries[i].0, &key) {
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

    /// The key type of the dictionary being built.
    pub(crate) fn key_type(&self) -> &ContainerType {
        &self.dict.key_type
    }

    pub(crate) fn finish(self) -> Dictionary {
        self.dict
    }
}

fn hash_reals(values: &[f32], h: &mut impl Hasher) {
    for &x in values {
        // 0.0 == -0.0, and every NaN is the same key: each group must hash alike.
        let bits = if x == 0.0 {
            0
        } else if x.is_nan() {
            f32::NAN.to_bits()
        } else {
            x.to_bits()
        };
        h.write_u32(bits);
    }
}

fn hash_f64(x: f64, h: &mut impl Hasher) {
    let bits = if x == 0.0 {
        0
    } else if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    };
    h.write_u64(bits);
}

fn hash_vec2(v: &Vector2, h: &mut impl Hasher) {
    hash_reals(&[v.x, v.y], h);
}

fn hash_vec3(v: &Vector3, h: &mut impl Hasher) {
    hash_reals(&[v.x, v.y, v.z], h);
}

fn hash_vec4(v: &Vector4, h: &mut impl Hasher) {
    hash_reals(&[v.x, v.y, v.z, v.w], h);
}

/// A hash consistent with `Variant`'s `PartialEq` and with dictionary key identity (equal
/// values and same keys hash alike: a `StringName` hashes as the `String` of its text, every
/// NaN alike) that covers every component: values differing anywhere hash apart, so a peer
/// cannot make a decoded dictionary's keys collide (which made decoding quadratic).
/// Dictionaries, equal in any order, add up their entries' hashes.
pub(crate) fn hash_variant(v: &Variant, h: &mut impl Hasher) {
    let tag = match v {
        Variant::StringName(_) => VariantType::String,
        other => other.get_type(),
    };
    h.write_u8(tag.id());
    match v {
        Variant::Nil | Variant::Callable => {}
        Variant::Bool(b) => b.hash(h),
        Variant::Int(i) => i.hash(h),
        Variant::Float(f) => hash_f64(*f, h),
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
        Variant::Transform2D(t) => [t.x, t.y, t.origin].iter().for_each(|v| hash_vec2(v, h)),
        Variant::Aabb(a) => [a.position, a.size].iter().for_each(|v| hash_vec3(v, h)),
        Variant::Basis(b) => b.rows.iter().for_each(|v| hash_vec3(v, h)),
        Variant::Transform3D(t) => {
            t.basis.rows.iter().for_each(|v| hash_vec3(v, h));
            hash_vec3(&t.origin, h);
        }
        Variant::Projection(p) => p.columns.iter().for_each(|v| hash_vec4(v, h)),
        Variant::Object(o) => match o {
            ObjectValue::Null => h.write_u8(0),
            ObjectValue::Id(id) => id.hash(h),
            ObjectValue::Full { class, properties } => {
                class.hash(h);
                for (name, value) in properties {
                    name.hash(h);
                    hash_variant(value, h);
                }
            }
        },
        Variant::Signal(s) => {
            s.name.as_str().hash(h);
            s.object_id.hash(h);
        }
        Variant::Dictionary(d) => {
            d.key_type.hash(h);
            d.value_type.hash(h);
            d.len().hash(h);
            // Order-independent: the sum of the entries' own (fixed-key) hashes.
            let mut sum = 0u64;
            for (key, value) in &d.entries {
                let mut entry = std::hash::DefaultHasher::new();
                hash_variant(key, &mut entry);
                hash_variant(value, &mut entry);
                sum = sum.wrapping_add(entry.finish());
            }
            h.write_u64(sum);
        }
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
        Variant::PackedFloat64Array(a) => {
            a.len().hash(h);
            for &x in a {
                hash_f64(x, h);
            }
        }
        Variant::PackedVector2Array(a) => {
            a.len().hash(h);
            a.iter().for_each(|v| hash_vec2(v, h));
        }
        Variant::PackedVector3Array(a) => {
            a.len().hash(h);
            a.iter().for_each(|v| hash_vec3(v, h));
        }
        Variant::PackedColorArray(a) => {
            a.len().hash(h);
            a.iter().for_each(|c| hash_reals(&[c.r, c.g, c.b, c.a], h));
        }
        Variant::PackedVector4Array(a) => {
            a.len().hash(h);
            a.iter().for_each(|v| hash_vec4(v, h));
        }
    }
}

#[cfg(test)]
mod hash_tests {
    use super::*;
    use crate::math::{Basis, Transform3D};

    fn hash_of(v: &Variant) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        hash_variant(v, &mut h);
        h.finish()
    }

    #[test]
    fn values_differing_anywhere_hash_apart() {
        let mut basis = Basis::IDENTITY;
        basis.rows[0].y = 2.0;
        let a = Variant::Transform3D(Transform3D::IDENTITY);
        let b = Variant::Transform3D(Transform3D::new(basis, Vector3::default()));
        assert_ne!(hash_of(&a), hash_of(&b));
        let d1: Dictionary = [(Variant::Int(1), Variant::Int(2))].into_iter().collect();
        let d2: Dictionary = [(Variant::Int(1), Variant::Int(3))].into_iter().collect();
        assert_ne!(
            hash_of(&Variant::Dictionary(d1)),
            hash_of(&Variant::Dictionary(d2))
        );
        let p1 = Variant::PackedFloat64Array(vec![1.0, 2.0]);
        let p2 = Variant::PackedFloat64Array(vec![1.0, 3.0]);
        assert_ne!(hash_of(&p1), hash_of(&p2));
    }

    #[test]
    fn equal_values_hash_alike() {
        let d1: Dictionary = [
            (Variant::Int(1), Variant::Int(2)),
            (Variant::Int(3), Variant::Nil),
        ]
        .into_iter()
        .collect();
        let d2: Dictionary = [
            (Variant::Int(3), Variant::Nil),
            (Variant::Int(1), Variant::Int(2)),
        ]
        .into_iter()
        .collect();
        assert_eq!(d1, d2);
        assert_eq!(
            hash_of(&Variant::Dictionary(d1)),
            hash_of(&Variant::Dictionary(d2))
        );
        assert_eq!(
            hash_of(&Variant::PackedFloat64Array(vec![0.0])),
            hash_of(&Variant::PackedFloat64Array(vec![-0.0]))
        );
    }

    #[test]
    fn nan_keys_and_string_like_keys_merge_as_in_godot() {
        let mut builder = DictionaryBuilder::new(ContainerType::None, ContainerType::None, 3);
        for i in 0..3 {
            builder.insert(Variant::Float(f64::NAN), Variant::Int(i));
        }
        builder.insert(Variant::Float(-f64::NAN), Variant::Int(3));
        builder.insert(Variant::Int(1), Variant::Nil);
        builder.insert(Variant::Int(1), Variant::Bool(true));
        builder.insert("a".into(), Variant::Int(1));
        builder.insert(Variant::StringName("a".into()), Variant::Int(2));
        let dict = builder.finish();
        // One NaN key (the last value), one 1, one "a" (first key kept, last value).
        assert_eq!(dict.len(), 3);
        assert_eq!(dict.get(&Variant::Float(f64::NAN)), Some(&Variant::Int(3)));
        assert_eq!(dict.get(&Variant::Int(1)), Some(&Variant::Bool(true)));
        assert_eq!(
            dict.iter().nth(2),
            Some((&Variant::String("a".into()), &Variant::Int(2)))
        );
    }

    #[test]
    fn string_and_string_name_keys_hash_alike() {
        assert_eq!(
            hash_of(&"a".into()),
            hash_of(&Variant::StringName("a".into()))
        );
        assert_eq!(
            hash_of(&Variant::Float(f64::NAN)),
            hash_of(&Variant::Float(-f64::NAN))
        );
    }
}
