//! `decode_variant`: bytes → `Variant`, hostile input assumed.
//!
//! Three rules keep it safe: every read goes through [`Reader`] (bounds-checked, typed errors);
//! every element count is checked against the bytes left *before* allocating (each element needs
//! at least 4 bytes); nesting is capped by `max_depth`. Containers are decoded without recursion:
//! open arrays, dictionaries and objects sit on an explicit stack on the heap, so the decoder's
//! own stack use does not grow with nesting (a recursive decoder needed ~3.8 KiB of stack per
//! nested dictionary in a debug build, close to overflowing a 2 MiB thread at 512 levels).
//!
//! This file walks the tree (headers, the open-container stack, container headers); the values
//! that hold no nested `Variant` are read in [`scalar`].

mod scalar;
mod typed;

pub(crate) use typed::typed_object_admits;

use crate::codec::{DecodeOptions, FLAG_64};
use crate::containers::{Array, ContainerType, DictionaryBuilder};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;
use crate::variant::{ObjectValue, Variant, VariantType};

/// Class name Godot substitutes for object-typed containers when objects are not allowed.
pub(crate) const ENCODED_OBJECT_AS_ID: &str = "EncodedObjectAsID";

pub(crate) fn decode(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    decode_at(bytes, 0, options)
}

/// Decodes with error offsets reported relative to `base`.
pub(crate) fn decode_at(
    bytes: &[u8],
    base: usize,
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    let mut decoder = Decoder {
        r: Reader::with_base(bytes, base),
        allow_objects: options.allow_objects,
        max_depth: options.max_depth.min(crate::MAX_DECODE_DEPTH),
    };
    let value = decoder.tree()?;
    Ok((value, decoder.r.position()))
}

struct Decoder<'a> {
    r: Reader<'a>,
    allow_objects: bool,
    max_depth: usize,
}

/// A container whose elements are still being read.
enum Open {
    Array {
        array: Array,
        remaining: usize,
    },
    Dictionary {
        builder: DictionaryBuilder,
        key: Option<Variant>,
        remaining: usize,
    },
    Object {
        class: String,
        properties: Vec<(String, Variant)>,
        /// The name of the property whose value is being read.
        name: Option<String>,
        remaining: usize,
    },
}

impl Open {
    /// Takes the next element; true when the container is complete.
    ///
    /// A typed container keeps an element only as Godot's would (see [`typed`]): one it refuses
    /// still counts towards the declared count, but is left out.
    fn accept(&mut self, value: Variant) -> bool {
        match self {
            Open::Array { array, remaining } => {
                if let Some(value) = typed::admit(&array.element_type, value) {
                    array.items.push(value);
                }
                *remaining -= 1;
                *remaining == 0
            }
            Open::Dictionary {
                builder,
                key,
                remaining,
            } => match key.take() {
                None => {
                    *key = Some(value);
                    false
                }
                Some(k) => {
                    // Only the key is checked: Godot stores the value unchecked.
                    if let Some(k) = typed::admit(builder.key_type(), k) {
                        builder.insert(k, value);
                    }
                    *remaining -= 1;
                    *remaining == 0
                }
            },
            Open::Object {
                properties,
                name,
                remaining,
                ..
            } => {
                properties.push((name.take().unwrap_or_default(), value));
                *remaining -= 1;
                *remaining == 0
            }
        }
    }

    fn finish(self) -> Variant {
        match self {
            Open::Array { array, .. } => Variant::Array(array),
            Open::Dictionary { builder, .. } => Variant::Dictionary(builder.finish()),
            Open::Object {
                class, properties, ..
            } => Variant::Object(ObjectValue::Full { class, properties }),
        }
    }
}

/// The start of a value: complete, or a non-empty container to fill.
enum Started {
    Done(Variant),
    Open(Open),
}

impl Decoder<'_> {
    /// One value with everything nested in it.
    #[inline]
    fn tree(&mut self) -> Result<Variant, DecodeError> {
        let (at, header, ty) = self.header()?;
        // Most values (every RPC argument but containers) are complete after their header.
        if !is_container(ty) {
            return self.scalar(ty, header);
        }
        match self.container(at, header, ty)? {
            Started::Done(value) => Ok(value),
            Started::Open(container) => self.fill(container),
        }
    }

    /// Reads the elements of `outermost` and of every container nested in it.
    #[inline(never)]
    fn fill(&mut self, outermost: Open) -> Result<Variant, DecodeError> {
        let mut open: Vec<Open> = vec![outermost];
        loop {
            // An object's property value is preceded by its name.
            if let Some(Open::Object { name, .. }) = open.last_mut() {
                *name = Some(self.r.string("property name")?);
            }
            if open.len() > self.max_depth {
                return Err(self.r.error(DecodeErrorKind::TooDeep {
                    max: self.max_depth,
                }));
            }
            let (at, header, ty) = self.header()?;
            let mut value = if is_container(ty) {
                match self.container(at, header, ty)? {
                    Started::Done(value) => value,
                    Started::Open(container) => {
                        open.push(container);
                        continue;
                    }
                }
            } else {
                self.scalar(ty, header)?
            };
            // Hand the finished value to its container, closing every container it completes.
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok(value);
                };
                if !top.accept(value) {
                    break;
                }
                let Some(done) = open.pop() else {
                    return Err(empty_stack());
                };
                value = done.finish();
            }
        }
    }

    /// The header word: its offset, its value and its type.
    fn header(&mut self) -> Result<(usize, u32, VariantType), DecodeError> {
        let at = self.r.offset();
        let header = self.r.u32("header")?;
        let id = header & 0xFF;
        let ty = u8::try_from(id)
            .ok()
            .and_then(VariantType::from_id)
            .ok_or_else(|| DecodeError::new(at, DecodeErrorKind::UnknownType(id)))?;
        Ok((at, header, ty))
    }

    /// A container's header part: complete when empty, else open.
    #[inline(never)]
    fn container(
        &mut self,
        at: usize,
        header: u32,
        ty: VariantType,
    ) -> Result<Started, DecodeError> {
        match ty {
            VariantType::Array => self.array(header),
            VariantType::Dictionary => self.dictionary(header),
            _ => self.object(at, header),
        }
    }

    fn array(&mut self, header: u32) -> Result<Started, DecodeError> {
        let element_type = self.container_type((header >> 16) & 3)?;
        let at = self.r.offset();
        // Bit 31 is the obsolete "shared" flag; Godot masks it off.
        let count = (self.r.u32("array count")? & 0x7FFF_FFFF) as usize;
        self.r.check_count(at, "array", count, 4)?;
        let array = Array {
            element_type,
            items: Vec::with_capacity(upfront_capacity(count)),
        };
        Ok(if count == 0 {
            Started::Done(Variant::Array(array))
        } else {
            Started::Open(Open::Array {
                array,
                remaining: count,
            })
        })
    }

    fn dictionary(&mut self, header: u32) -> Result<Started, DecodeError> {
        let key_type = self.container_type((header >> 16) & 3)?;
        let value_type = self.container_type((header >> 18) & 3)?;
        let at = self.r.offset();
        let count = (self.r.u32("dictionary count")? & 0x7FFF_FFFF) as usize;
        self.r.check_count(at, "dictionary", count, 8)?;
        let builder = DictionaryBuilder::new(key_type, value_type, upfront_capacity(count));
        Ok(if count == 0 {
            Started::Done(Variant::Dictionary(builder.finish()))
        } else {
            Started::Open(Open::Dictionary {
                builder,
                key: None,
                remaining: count,
            })
        })
    }

    fn object(&mut self, at: usize, header: u32) -> Result<Started, DecodeError> {
        if header & FLAG_64 != 0 {
            // The instance-id form is always allowed.
            let id = self.r.u64("object id")?;
            let object = if id == 0 {
                ObjectValue::Null
            } else {
                ObjectValue::Id(id)
            };
            return Ok(Started::Done(Variant::Object(object)));
        }
        if !self.allow_objects {
            return Err(DecodeError::new(at, DecodeErrorKind::ObjectsNotAllowed));
        }
        let class = self.r.string("object class")?;
        if class.is_empty() {
            return Ok(Started::Done(Variant::Object(ObjectValue::Null)));
        }
        let count_at = self.r.offset();
        let count = self.r.count("object property count")?;
        self.r
            .check_count(count_at, "object properties", count, 8)?;
        let properties = Vec::with_capacity(upfront_capacity(count));
        Ok(if count == 0 {
            Started::Done(Variant::Object(ObjectValue::Full { class, properties }))
        } else {
            Started::Open(Open::Object {
                class,
                properties,
                name: None,
                remaining: count,
            })
        })
    }

    /// A typed container's element-type descriptor (spec A.3).
    fn container_type(&mut self, kind: u32) -> Result<ContainerType, DecodeError> {
        match kind {
            1 => {
                let at = self.r.offset();
                let id = self.r.u32("container builtin type")?;
                match u8::try_from(id).ok().and_then(VariantType::from_id) {
                    Some(VariantType::Nil) => Ok(ContainerType::None),
                    Some(ty) => Ok(ContainerType::Builtin(ty)),
                    None => Err(DecodeError::new(
                        at,
                        DecodeErrorKind::InvalidContainerType(format!("builtin type id {id}")),
                    )),
                }
            }
            2 => {
                let name = self.r.string("container class name")?;
                Ok(ContainerType::ClassName(if self.allow_objects {
                    name
                } else {
                    ENCODED_OBJECT_AS_ID.to_owned()
                }))
            }
            3 => {
                let at = self.r.offset();
                let path = self.r.string("container script path")?;
                if !self.allow_objects {
                    Ok(ContainerType::ClassName(ENCODED_OBJECT_AS_ID.to_owned()))
                } else if path.starts_with("res://") {
                    Ok(ContainerType::Script(path))
                } else {
                    Err(DecodeError::new(
                        at,
                        DecodeErrorKind::InvalidContainerType(format!("script path {path:?}")),
                    ))
                }
            }
            _ => Ok(ContainerType::None),
        }
    }
}

fn is_container(ty: VariantType) -> bool {
    matches!(
        ty,
        VariantType::Array | VariantType::Dictionary | VariantType::Object
    )
}

/// The open-container stack cannot be empty where this is called; answering with an error
/// instead of a panic keeps the decoder panic-free even if that invariant were broken.
#[cold]
fn empty_stack() -> DecodeError {
    DecodeError::new(
        0,
        DecodeErrorKind::UnknownType(u32::from(VariantType::Array.id())),
    )
}

/// Elements reserved for a container before any of them is decoded. A declared count is only
/// checked against the bytes left, and nested containers share those bytes, so reserving the
/// full count at every level would let a small packet ask for gigabytes (500 nested arrays in
/// 64 KiB: 700 MB). Beyond this, storage grows with the elements actually decoded.
const MAX_UPFRONT_ELEMENTS: usize = 16;

fn upfront_capacity(declared: usize) -> usize {
    declared.min(MAX_UPFRONT_ELEMENTS)
}
