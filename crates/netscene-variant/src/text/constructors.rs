//! The named constructors of Godot's text form that hold no nested value (`Vector2(…)`,
//! `PackedByteArray(…)`, `NodePath(…)`, …): the identifier branch of `VariantParser::parse_value`.

use super::ParseError;
use super::lex::{Pos, Token};
use super::parse::{Num, Parser, base64_decode, basis, int_arg};
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::variant::{Rid, Signal, Variant};

impl Parser<'_> {
    /// A value starting with identifier `id` that holds no nested value (the containers
    /// `Array[…]`, `Dictionary[…]` and `Object(…)` are opened in [`super::nesting`]).
    pub(super) fn identifier(&mut self, id: &str, pos: Pos) -> Result<Variant, ParseError> {
        Ok(match id {
            "true" => Variant::Bool(true),
            "false" => Variant::Bool(false),
            "null" | "nil" => Variant::Nil,
            "inf" => Variant::Float(f64::INFINITY),
            "inf_neg" => Variant::Float(f64::NEG_INFINITY),
            "nan" => Variant::Float(f64::NAN),
            "Vector2" => {
                let [x, y] = self.reals(id)?;
                Variant::Vector2(Vector2::new(x, y))
            }
            "Vector2i" => {
                let [x, y] = self.ints(id)?;
                Variant::Vector2i(Vector2i::new(x, y))
            }
            "Rect2" => {
                let [x, y, w, h] = self.reals(id)?;
                Variant::Rect2(Rect2::new(Vector2::new(x, y), Vector2::new(w, h)))
            }
            "Rect2i" => {
                let [x, y, w, h] = self.ints(id)?;
                Variant::Rect2i(Rect2i::new(Vector2i::new(x, y), Vector2i::new(w, h)))
            }
            "Vector3" => {
                let [x, y, z] = self.reals(id)?;
                Variant::Vector3(Vector3::new(x, y, z))
            }
            "Vector3i" => {
                let [x, y, z] = self.ints(id)?;
                Variant::Vector3i(Vector3i::new(x, y, z))
            }
            "Vector4" => {
                let [x, y, z, w] = self.reals(id)?;
                Variant::Vector4(Vector4::new(x, y, z, w))
            }
            "Vector4i" => {
                let [x, y, z, w] = self.ints(id)?;
                Variant::Vector4i(Vector4i::new(x, y, z, w))
            }
            "Transform2D" | "Matrix32" => {
                let e: [f32; 6] = self.reals(id)?;
                Variant::Transform2D(Transform2D::new(
                    Vector2::new(e[0], e[1]),
                    Vector2::new(e[2], e[3]),
                    Vector2::new(e[4], e[5]),
                ))
            }
            "Plane" => {
                let [x, y, z, d] = self.reals(id)?;
                Variant::Plane(Plane::new(Vector3::new(x, y, z), d))
            }
            "Quaternion" | "Quat" => {
                let [x, y, z, w] = self.reals(id)?;
                Variant::Quaternion(Quaternion::new(x, y, z, w))
            }
            "AABB" | "Rect3" => {
                let e: [f32; 6] = self.reals(id)?;
                Variant::Aabb(Aabb::new(
                    Vector3::new(e[0], e[1], e[2]),
                    Vector3::new(e[3], e[4], e[5]),
                ))
            }
            "Basis" | "Matrix3" => Variant::Basis(basis(&self.reals::<9>(id)?)),
            "Transform3D" | "Transform" => {
                let e: [f32; 12] = self.reals(id)?;
                Variant::Transform3D(Transform3D::new(
                    basis(&e[..9]),
                    Vector3::new(e[9], e[10], e[11]),
                ))
            }
            "Projection" => {
                let e: [f32; 16] = self.reals(id)?;
                Variant::Projection(Projection::new(std::array::from_fn(|c| {
                    Vector4::new(e[c * 4], e[c * 4 + 1], e[c * 4 + 2], e[c * 4 + 3])
                })))
            }
            "Color" => {
                let [r, g, b, a] = self.reals(id)?;
                Variant::Color(Color::new(r, g, b, a))
            }
            "NodePath" => Variant::NodePath(NodePath::new(&self.string_arg("NodePath()")?)),
            "RID" => {
                let (nums, at) = self.numbers()?;
                match nums.as_slice() {
                    [] => Variant::Rid(Rid(0)),
                    [Num::Int(i)] => Variant::Rid(Rid(*i as u64)),
                    _ => {
                        return Err(ParseError::at(
                            at,
                            "expected one integer or nothing for RID()",
                        ));
                    }
                }
            }
            "Callable" => {
                self.expect(Token::ParenOpen, "'('")?;
                self.expect(Token::ParenClose, "')'")?;
                Variant::Callable
            }
            "Signal" => Variant::Signal(self.signal()?),
            "PackedByteArray" | "PoolByteArray" | "ByteArray" => {
                Variant::PackedByteArray(self.byte_array()?)
            }
            "PackedInt32Array" | "PackedIntArray" | "PoolIntArray" | "IntArray" => {
                Variant::PackedInt32Array(self.int_list(id)?)
            }
            "PackedInt64Array" => Variant::PackedInt64Array(self.int_list(id)?),
            "PackedFloat32Array" | "PackedRealArray" | "PoolRealArray" | "FloatArray" => {
                let (nums, _) = self.numbers()?;
                Variant::PackedFloat32Array(nums.iter().map(|n| n.as_f32()).collect())
            }
            "PackedFloat64Array" => {
                let (nums, _) = self.numbers()?;
                Variant::PackedFloat64Array(nums.iter().map(|n| n.as_f64()).collect())
            }
            "PackedStringArray" | "PoolStringArray" | "StringArray" => {
                Variant::PackedStringArray(self.string_list()?)
            }
            "PackedVector2Array" | "PoolVector2Array" | "Vector2Array" => {
                Variant::PackedVector2Array(
                    self.real_tuples::<2>(id)?
                        .into_iter()
                        .map(|[x, y]| Vector2::new(x, y))
                        .collect(),
                )
            }
            "PackedVector3Array" | "PoolVector3Array" | "Vector3Array" => {
                Variant::PackedVector3Array(
                    self.real_tuples::<3>(id)?
                        .into_iter()
                        .map(|[x, y, z]| Vector3::new(x, y, z))
                        .collect(),
                )
            }
            "PackedVector4Array" | "PoolVector4Array" | "Vector4Array" => {
                Variant::PackedVector4Array(
                    self.real_tuples::<4>(id)?
                        .into_iter()
                        .map(|[x, y, z, w]| Vector4::new(x, y, z, w))
                        .collect(),
                )
            }
            "PackedColorArray" | "PoolColorArray" | "ColorArray" => Variant::PackedColorArray(
                self.real_tuples::<4>(id)?
                    .into_iter()
                    .map(|[r, g, b, a]| Color::new(r, g, b, a))
                    .collect(),
            ),
            "Resource" | "SubResource" | "ExtResource" => {
                return Err(ParseError::at(
                    pos,
                    format!("{id}() needs a resource loader, which netscene does not have"),
                ));
            }
            _ => return Err(ParseError::at(pos, format!("unexpected identifier '{id}'"))),
        })
    }

    /// `Signal()` (Godot writes signals empty) or `Signal(&"name", object_id)`.
    fn signal(&mut self) -> Result<Signal, ParseError> {
        self.expect(Token::ParenOpen, "'('")?;
        let (token, pos) = self.next()?;
        let name = match token {
            Token::ParenClose => return Ok(Signal::default()),
            Token::StringName(s) | Token::String(s) => StringName::from(s),
            other => {
                return Err(ParseError::at(
                    pos,
                    format!("expected signal name, got {}", other.describe()),
                ));
            }
        };
        self.expect(Token::Comma, "','")?;
        let (token, pos) = self.next()?;
        let Token::Int(id) = token else {
            return Err(ParseError::at(pos, "expected object id (an integer)"));
        };
        self.expect(Token::ParenClose, "')'")?;
        Ok(Signal {
            name,
            object_id: id as u64,
        })
    }

    /// `PackedByteArray(1, 2)` or the base64 form `PackedByteArray("AQI=")`.
    fn byte_array(&mut self) -> Result<Vec<u8>, ParseError> {
        let open = self.expect(Token::ParenOpen, "'('")?;
        if let (Token::String(_), _) = self.peek()? {
            let (token, pos) = self.next()?;
            let Token::String(b64) = token else {
                return Err(ParseError::at(pos, "expected base64 string"));
            };
            self.expect(Token::ParenClose, "')'")?;
            return base64_decode(&b64)
                .ok_or_else(|| ParseError::at(pos, "invalid base64-encoded string"));
        }
        let (nums, pos) = self.numbers_after_open(open)?;
        nums.into_iter()
            .map(|n| int_arg(n, pos, "PackedByteArray"))
            .collect()
    }

    fn string_list(&mut self) -> Result<Vec<String>, ParseError> {
        self.expect(Token::ParenOpen, "'('")?;
        let mut out = Vec::new();
        loop {
            let (token, pos) = self.next()?;
            match token {
                Token::ParenClose if out.is_empty() => return Ok(out),
                Token::String(s) => out.push(s),
                other => {
                    return Err(ParseError::at(
                        pos,
                        format!("expected string, got {}", other.describe()),
                    ));
                }
            }
            let (token, pos) = self.next()?;
            match token {
                Token::Comma => {}
                Token::ParenClose => return Ok(out),
                other => {
                    return Err(ParseError::at(
                        pos,
                        format!("expected ',' or ')', got {}", other.describe()),
                    ));
                }
            }
        }
    }
}
