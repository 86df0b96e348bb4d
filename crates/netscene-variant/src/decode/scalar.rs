//! The values that hold no nested `Variant`: numbers, strings, math types, node paths and
//! packed arrays, each read whole from its header on.

use super::Decoder;
use crate::codec::FLAG_64;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::reader::Reader;
use crate::variant::{Rid, Signal, Variant, VariantType};

impl Decoder<'_> {
    /// Every type that holds no nested `Variant`.
    pub(super) fn scalar(&mut self, ty: VariantType, header: u32) -> Result<Variant, DecodeError> {
        let wide = header & FLAG_64 != 0;
        let r = &mut self.r;
        Ok(match ty {
            VariantType::Nil => Variant::Nil,
            VariantType::Bool => Variant::Bool(r.u32("bool")? != 0),
            VariantType::Int if wide => Variant::Int(r.u64("int")? as i64),
            VariantType::Int => Variant::Int(i64::from(r.u32("int")? as i32)),
            VariantType::Float if wide => Variant::Float(f64::from_bits(r.u64("float")?)),
            VariantType::Float => Variant::Float(f64::from(f32::from_bits(r.u32("float")?))),
            VariantType::String => Variant::String(r.string("string")?),
            VariantType::StringName => {
                Variant::StringName(StringName::from(r.string("string name")?))
            }
            VariantType::Vector2 => {
                let [x, y] = reals(r, wide, "Vector2")?;
                Variant::Vector2(Vector2::new(x, y))
            }
            VariantType::Vector2i => {
                let [x, y] = ints(r, "Vector2i")?;
                Variant::Vector2i(Vector2i::new(x, y))
            }
            VariantType::Rect2 => {
                let [x, y, w, h] = reals(r, wide, "Rect2")?;
                Variant::Rect2(Rect2::new(Vector2::new(x, y), Vector2::new(w, h)))
            }
            VariantType::Rect2i => {
                let [x, y, w, h] = ints(r, "Rect2i")?;
                Variant::Rect2i(Rect2i::new(Vector2i::new(x, y), Vector2i::new(w, h)))
            }
            VariantType::Vector3 => {
                let [x, y, z] = reals(r, wide, "Vector3")?;
                Variant::Vector3(Vector3::new(x, y, z))
            }
            VariantType::Vector3i => {
                let [x, y, z] = ints(r, "Vector3i")?;
                Variant::Vector3i(Vector3i::new(x, y, z))
            }
            VariantType::Transform2D => {
                let e: [f32; 6] = reals(r, wide, "Transform2D")?;
                Variant::Transform2D(Transform2D::new(
                    Vector2::new(e[0], e[1]),
                    Vector2::new(e[2], e[3]),
                    Vector2::new(e[4], e[5]),
                ))
            }
            VariantType::Vector4 => {
                let [x, y, z, w] = reals(r, wide, "Vector4")?;
                Variant::Vector4(Vector4::new(x, y, z, w))
            }
            VariantType::Vector4i => {
                let [x, y, z, w] = ints(r, "Vector4i")?;
                Variant::Vector4i(Vector4i::new(x, y, z, w))
            }
            VariantType::Plane => {
                let [x, y, z, d] = reals(r, wide, "Plane")?;
                Variant::Plane(Plane::new(Vector3::new(x, y, z), d))
            }
            VariantType::Quaternion => {
                let [x, y, z, w] = reals(r, wide, "Quaternion")?;
                Variant::Quaternion(Quaternion::new(x, y, z, w))
            }
            VariantType::Aabb => {
                let e: [f32; 6] = reals(r, wide, "AABB")?;
                Variant::Aabb(Aabb::new(
                    Vector3::new(e[0], e[1], e[2]),
                    Vector3::new(e[3], e[4], e[5]),
                ))
            }
            VariantType::Basis => Variant::Basis(basis_from(&reals::<9>(r, wide, "Basis")?)),
            VariantType::Transform3D => {
                let e: [f32; 12] = reals(r, wide, "Transform3D")?;
                Variant::Transform3D(Transform3D::new(
                    basis_from(&e),
                    Vector3::new(e[9], e[10], e[11]),
                ))
            }
            VariantType::Projection => {
                let e: [f32; 16] = reals(r, wide, "Projection")?;
                Variant::Projection(Projection::new(std::array::from_fn(|c| {
                    Vector4::new(e[c * 4], e[c * 4 + 1], e[c * 4 + 2], e[c * 4 + 3])
                })))
            }
            VariantType::Color => {
                // Always single precision, whatever FLAG_64 says.
                let [red, green, blue, alpha] = reals(r, false, "Color")?;
                Variant::Color(Color::new(red, green, blue, alpha))
            }
            VariantType::NodePath => Variant::NodePath(node_path(r)?),
            VariantType::Rid => Variant::Rid(Rid(r.u64("RID")?)),
            VariantType::Callable => Variant::Callable,
            VariantType::Signal => {
                let name = StringName::from(r.string("signal name")?);
                let object_id = r.u64("signal object id")?;
                Variant::Signal(Signal { name, object_id })
            }
            VariantType::PackedByteArray => Variant::PackedByteArray(byte_array(r)?),
            VariantType::PackedInt32Array => Variant::PackedInt32Array(packed::<4, _>(
                r,
                "PackedInt32Array",
                i32::from_le_bytes,
            )?),
            VariantType::PackedInt64Array => Variant::PackedInt64Array(packed::<8, _>(
                r,
                "PackedInt64Array",
                i64::from_le_bytes,
            )?),
            VariantType::PackedFloat32Array => Variant::PackedFloat32Array(numbers::<4, _>(
                r,
                "PackedFloat32Array",
                f32::from_le_bytes,
            )?),
            VariantType::PackedFloat64Array => Variant::PackedFloat64Array(numbers::<8, _>(
                r,
                "PackedFloat64Array",
                f64::from_le_bytes,
            )?),
            VariantType::PackedStringArray => Variant::PackedStringArray(string_array(r)?),
            VariantType::PackedVector2Array => Variant::PackedVector2Array(if wide {
                packed::<16, _>(r, "PackedVector2Array", |c| {
                    let [x, y] = f64s_to_reals(&c);
                    Vector2::new(x, y)
                })?
            } else {
                packed::<8, _>(r, "PackedVector2Array", |c| {
                    let [x, y] = f32s(&c);
                    Vector2::new(x, y)
                })?
            }),
            VariantType::PackedVector3Array => Variant::PackedVector3Array(if wide {
                packed::<24, _>(r, "PackedVector3Array", |c| {
                    let [x, y, z] = f64s_to_reals(&c);
                    Vector3::new(x, y, z)
                })?
            } else {
                packed::<12, _>(r, "PackedVector3Array", |c| {
                    let [x, y, z] = f32s(&c);
                    Vector3::new(x, y, z)
                })?
            }),
            VariantType::PackedColorArray => {
                Variant::PackedColorArray(packed::<16, _>(r, "PackedColorArray", |c| {
                    let [red, green, blue, alpha] = f32s(&c);
                    Color::new(red, green, blue, alpha)
                })?)
            }
            VariantType::PackedVector4Array => Variant::PackedVector4Array(if wide {
                packed::<32, _>(r, "PackedVector4Array", |c| {
                    let [x, y, z, w] = f64s_to_reals(&c);
                    Vector4::new(x, y, z, w)
                })?
            } else {
                packed::<16, _>(r, "PackedVector4Array", |c| {
                    let [x, y, z, w] = f32s(&c);
                    Vector4::new(x, y, z, w)
                })?
            }),
            VariantType::Array | VariantType::Dictionary | VariantType::Object => {
                unreachable_container(r, ty)?
            }
        })
    }
}

/// Containers never reach `scalar`; answering with an error instead of a panic keeps the
/// decoder panic-free even if that invariant were broken.
#[cold]
fn unreachable_container(r: &Reader<'_>, ty: VariantType) -> Result<Variant, DecodeError> {
    Err(r.error(DecodeErrorKind::UnknownType(u32::from(ty.id()))))
}

/// Basis from the first 9 row-major elements (element index = row * 3 + column).
fn basis_from(e: &[f32]) -> Basis {
    let mut rows = [Vector3::default(); 3];
    for (row, chunk) in rows.iter_mut().zip(e.chunks_exact(3)) {
        if let [x, y, z] = *chunk {
            *row = Vector3::new(x, y, z);
        }
    }
    Basis::new(rows)
}

/// `N` real_t components: f32, or f64 narrowed to f32 when FLAG_64 is set.
fn reals<const N: usize>(
    r: &mut Reader<'_>,
    wide: bool,
    what: &'static str,
) -> Result<[f32; N], DecodeError> {
    let mut out = [0f32; N];
    if wide {
        let bytes = r.take(N * 8, what)?;
        for (o, c) in out.iter_mut().zip(bytes.as_chunks::<8>().0) {
            *o = f64::from_le_bytes(*c) as f32;
        }
    } else {
        let bytes = r.take(N * 4, what)?;
        for (o, c) in out.iter_mut().zip(bytes.as_chunks::<4>().0) {
            *o = f32::from_le_bytes(*c);
        }
    }
    Ok(out)
}

fn ints<const N: usize>(r: &mut Reader<'_>, what: &'static str) -> Result<[i32; N], DecodeError> {
    let bytes = r.take(N * 4, what)?;
    let mut out = [0i32; N];
    for (o, c) in out.iter_mut().zip(bytes.as_chunks::<4>().0) {
        *o = i32::from_le_bytes(*c);
    }
    Ok(out)
}

fn f32s<const W: usize, const N: usize>(c: &[u8; W]) -> [f32; N] {
    let mut out = [0f32; N];
    for (o, b) in out.iter_mut().zip(c.as_chunks::<4>().0) {
        *o = f32::from_le_bytes(*b);
    }
    out
}

fn f64s_to_reals<const W: usize, const N: usize>(c: &[u8; W]) -> [f32; N] {
    let mut out = [0f32; N];
    for (o, b) in out.iter_mut().zip(c.as_chunks::<8>().0) {
        *o = f64::from_le_bytes(*b) as f32;
    }
    out
}

/// A packed array of fixed-size elements: i32 count, then `count * W` bytes.
fn packed<const W: usize, T>(
    r: &mut Reader<'_>,
    what: &'static str,
    convert: impl Fn([u8; W]) -> T,
) -> Result<Vec<T>, DecodeError> {
    let at = r.offset();
    let count = r.count(what)?;
    r.check_count(at, what, count, W)?;
    let bytes = r.take(count * W, what)?;
    Ok(bytes
        .as_chunks::<W>()
        .0
        .iter()
        .map(|c| convert(*c))
        .collect())
}

/// A packed array of plain numbers: on little-endian targets the wire bytes already are their
/// memory, so when they happen to be aligned for `T` they are copied in one go.
fn numbers<const W: usize, T: bytemuck::Pod>(
    r: &mut Reader<'_>,
    what: &'static str,
    convert: impl Fn([u8; W]) -> T,
) -> Result<Vec<T>, DecodeError> {
    if !cfg!(target_endian = "little") {
        return packed(r, what, convert);
    }
    let at = r.offset();
    let count = r.count(what)?;
    r.check_count(at, what, count, W)?;
    let bytes = r.take(count * W, what)?;
    Ok(match bytemuck::try_cast_slice::<u8, T>(bytes) {
        // Suitably aligned in the packet: one copy.
        Ok(values) => values.to_vec(),
        Err(_) => bytes
            .as_chunks::<W>()
            .0
            .iter()
            .map(|c| convert(*c))
            .collect(),
    })
}

fn byte_array(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeError> {
    let at = r.offset();
    let count = r.count("PackedByteArray")?;
    let padded = count.next_multiple_of(4);
    // Godot's own senders always write the padding; requiring it means a truncated packet is
    // always reported rather than silently accepted.
    r.check_count(at, "PackedByteArray", padded, 1)?;
    let bytes = r.take(padded, "PackedByteArray")?;
    Ok(bytes[..count].to_vec())
}

fn string_array(r: &mut Reader<'_>) -> Result<Vec<String>, DecodeError> {
    let at = r.offset();
    let count = r.count("PackedStringArray")?;
    r.check_count(at, "PackedStringArray", count, 4)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        // Element lengths count a trailing NUL, which the string reader stops at.
        out.push(r.string("PackedStringArray element")?);
    }
    Ok(out)
}

fn node_path(r: &mut Reader<'_>) -> Result<NodePath, DecodeError> {
    let at = r.offset();
    let first = r.u32("NodePath name count")?;
    if first & 0x8000_0000 == 0 {
        return Err(DecodeError::new(at, DecodeErrorKind::ObsoleteNodePath));
    }
    let name_count = u64::from(first & 0x7FFF_FFFF);
    let mut subname_count = u64::from(r.u32("NodePath subname count")?);
    let flags = r.u32("NodePath flags")?;
    if flags & 2 != 0 {
        // Obsolete format: the property is stored apart from the subpath.
        subname_count += 1;
    }
    let total = name_count + subname_count;
    let needed = total * 4;
    if needed > r.remaining() as u64 {
        return Err(DecodeError::new(
            at,
            DecodeErrorKind::CountTooLarge {
                what: "NodePath names",
                count: total,
                needed,
                available: r.remaining(),
            },
        ));
    }
    let mut names = Vec::with_capacity(name_count as usize);
    for _ in 0..name_count {
        names.push(StringName::from(r.string("NodePath name")?));
    }
    let mut subnames = Vec::with_capacity(subname_count as usize);
    for _ in 0..subname_count {
        subnames.push(StringName::from(r.string("NodePath subname")?));
    }
    Ok(NodePath::from_parts(names, subnames, flags & 1 != 0))
}
