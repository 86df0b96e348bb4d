//! `str_to_var`: Godot's text form back to a value (`VariantParser::parse_value`).

use super::ParseError;
use super::lex::{Lexer, Pos, Token};
use crate::containers::{Array, ContainerType, DictionaryBuilder};
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::variant::Variant;

/// Deepest nesting [`str_to_var`](super::str_to_var) accepts: half the binary decoder's limit.
///
/// Text is parsed by recursive descent, and a debug build spends about 5 KiB of stack per level
/// on nested typed arrays, dictionaries or objects (measured; ≈ 2 KiB for plain `[…]`), so 512
/// levels would not fit a 2 MiB thread. Text is a tool format, not network input: 256 levels
/// are plenty and keep every shape of text bomb inside a 2 MiB stack.
pub const MAX_TEXT_DEPTH: usize = crate::MAX_DECODE_DEPTH / 2;

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<(Token, Pos)>,
}

/// A number read as a constructor argument.
#[derive(Clone, Copy)]
pub(super) enum Num {
    Int(i64),
    Float(f64, f32),
}

impl Num {
    /// The value as `f32`, rounded once from the text (not via `f64`).
    pub(super) fn as_f32(self) -> f32 {
        match self {
            Num::Int(i) => i as f32,
            Num::Float(_, single) => single,
        }
    }

    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f, _) => f,
        }
    }
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self {
            lexer: Lexer::new(src),
            peeked: None,
        }
    }

    pub(super) fn next(&mut self) -> Result<(Token, Pos), ParseError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next_token(),
        }
    }

    pub(super) fn peek(&mut self) -> Result<&(Token, Pos), ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.get_or_insert((Token::Eof, Pos::default())))
    }

    pub(super) fn expect(&mut self, want: Token, what: &str) -> Result<Pos, ParseError> {
        let (token, pos) = self.next()?;
        if token == want {
            Ok(pos)
        } else {
            Err(ParseError::at(
                pos,
                format!("expected {what}, got {}", token.describe()),
            ))
        }
    }

    /// The whole input as one value; anything but whitespace or comments after it is an error.
    pub(crate) fn parse_document(&mut self) -> Result<Variant, ParseError> {
        let (token, pos) = self.next()?;
        if token == Token::Eof {
            return Err(ParseError::at(pos, "expected a value, got end of input"));
        }
        let value = self.value(token, pos, 0)?;
        let (rest, at) = self.next()?;
        if rest != Token::Eof {
            return Err(ParseError::at(
                at,
                format!("unexpected {} after the value", rest.describe()),
            ));
        }
        Ok(value)
    }

    /// One value starting with `token`. Containers recurse through here, so this frame and the
    /// container bodies keep error formatting and literal building in separate functions: in a
    /// debug build every temporary of a function gets its own stack slot, and nesting
    /// multiplies them.
    pub(super) fn value(
        &mut self,
        token: Token,
        pos: Pos,
        depth: usize,
    ) -> Result<Variant, ParseError> {
        if depth > MAX_TEXT_DEPTH {
            return Err(too_deep(pos));
        }
        match token {
            Token::CurlyOpen => self
                .dictionary_body(ContainerType::None, ContainerType::None, depth)
                .map(Variant::Dictionary),
            Token::BracketOpen => self
                .array_body(depth)
                .map(|items| Variant::Array(Array::from_vec(items))),
            // The constructors that nest values, dispatched here to keep the large constructor
            // parser off the recursive path.
            Token::Identifier(id) => match id.as_str() {
                "Array" => self.typed_array(depth),
                "Dictionary" => self.typed_dictionary(depth),
                "Object" => self.object(depth),
                _ => self.identifier(&id, pos, depth),
            },
            other => literal(other, pos),
        }
    }

    /// After `[`: values separated by commas (a trailing comma is accepted), then `]`.
    pub(super) fn array_body(&mut self, depth: usize) -> Result<Vec<Variant>, ParseError> {
        let mut items = Vec::new();
        loop {
            let (token, pos) = self.next()?;
            match token {
                Token::BracketClose => return Ok(items),
                Token::Eof => return Err(unexpected(pos, "a value or ']'", &token)),
                _ => items.push(self.value(token, pos, depth + 1)?),
            }
            let (token, pos) = self.next()?;
            match token {
                Token::Comma => {}
                Token::BracketClose => return Ok(items),
                _ => return Err(unexpected(pos, "',' or ']'", &token)),
            }
        }
    }

    /// After `{`: `key: value` pairs separated by commas, then `}`.
    pub(super) fn dictionary_body(
        &mut self,
        key_type: ContainerType,
        value_type: ContainerType,
        depth: usize,
    ) -> Result<crate::containers::Dictionary, ParseError> {
        let mut builder = DictionaryBuilder::new(key_type, value_type, 0);
        loop {
            let (token, pos) = self.next()?;
            let key = match token {
                Token::CurlyClose => return Ok(builder.finish()),
                Token::Eof => return Err(unexpected(pos, "a key or '}'", &token)),
                _ => self.value(token, pos, depth + 1)?,
            };
            let (token, pos) = self.next()?;
            if token != Token::Colon {
                return Err(unexpected(pos, "':'", &token));
            }
            let (token, pos) = self.next()?;
            let value = self.value(token, pos, depth + 1)?;
            builder.insert(key, value);
            let (token, pos) = self.next()?;
            match token {
                Token::Comma => {}
                Token::CurlyClose => return Ok(builder.finish()),
                _ => return Err(unexpected(pos, "',' or '}'", &token)),
            }
        }
    }

    /// `(` numbers `)`: ints, floats and the identifiers `inf`, `inf_neg`, `nan`.
    pub(super) fn numbers(&mut self) -> Result<(Vec<Num>, Pos), ParseError> {
        let open = self.expect(Token::ParenOpen, "'('")?;
        self.numbers_after_open(open)
    }

    pub(super) fn numbers_after_open(&mut self, open: Pos) -> Result<(Vec<Num>, Pos), ParseError> {
        let mut out = Vec::new();
        loop {
            let (token, pos) = self.next()?;
            let n = match token {
                Token::ParenClose if out.is_empty() => return Ok((out, open)),
                Token::Int(i) => Num::Int(i),
                Token::Float(f, single) => Num::Float(f, single),
                Token::Identifier(id) => match id.as_str() {
                    "inf" => Num::Float(f64::INFINITY, f32::INFINITY),
                    "inf_neg" => Num::Float(f64::NEG_INFINITY, f32::NEG_INFINITY),
                    "nan" => Num::Float(f64::NAN, f32::NAN),
                    _ => {
                        return Err(ParseError::at(
                            pos,
                            format!("expected number in constructor, got identifier '{id}'"),
                        ));
                    }
                },
                other => {
                    return Err(ParseError::at(
                        pos,
                        format!("expected number in constructor, got {}", other.describe()),
                    ));
                }
            };
            out.push(n);
            let (token, pos) = self.next()?;
            match token {
                Token::Comma => {}
                Token::ParenClose => return Ok((out, open)),
                other => {
                    return Err(ParseError::at(
                        pos,
                        format!(
                            "expected ',' or ')' in constructor, got {}",
                            other.describe()
                        ),
                    ));
                }
            }
        }
    }

    pub(super) fn reals<const N: usize>(&mut self, name: &str) -> Result<[f32; N], ParseError> {
        let (nums, pos) = self.numbers()?;
        let nums: [Num; N] = nums.try_into().map_err(|v: Vec<Num>| {
            ParseError::at(
                pos,
                format!("expected {N} arguments for {name}, got {}", v.len()),
            )
        })?;
        Ok(nums.map(|n| n.as_f32()))
    }

    pub(super) fn ints<const N: usize>(&mut self, name: &str) -> Result<[i32; N], ParseError> {
        let (nums, pos) = self.numbers()?;
        let count = nums.len();
        if count != N {
            return Err(ParseError::at(
                pos,
                format!("expected {N} arguments for {name}, got {count}"),
            ));
        }
        let mut out = [0i32; N];
        for (o, n) in out.iter_mut().zip(nums) {
            *o = int_arg::<i32>(n, pos, name)?;
        }
        Ok(out)
    }

    /// A packed array of real_t tuples of width `W`.
    pub(super) fn real_tuples<const W: usize>(
        &mut self,
        name: &str,
    ) -> Result<Vec<[f32; W]>, ParseError> {
        let (nums, pos) = self.numbers()?;
        if nums.len() % W != 0 {
            return Err(ParseError::at(
                pos,
                format!("{name} needs a multiple of {W} numbers, got {}", nums.len()),
            ));
        }
        Ok(nums
            .chunks_exact(W)
            .map(|c| std::array::from_fn(|i| c[i].as_f32()))
            .collect())
    }

    pub(super) fn int_list<T: TryFrom<i64>>(&mut self, name: &str) -> Result<Vec<T>, ParseError> {
        let (nums, pos) = self.numbers()?;
        nums.into_iter().map(|n| int_arg(n, pos, name)).collect()
    }

    pub(super) fn string_arg(&mut self, what: &str) -> Result<String, ParseError> {
        self.expect(Token::ParenOpen, "'('")?;
        let (token, pos) = self.next()?;
        let Token::String(s) = token else {
            return Err(ParseError::at(
                pos,
                format!("expected string as argument for {what}"),
            ));
        };
        self.expect(Token::ParenClose, "')'")?;
        Ok(s)
    }
}

/// A literal token as a value (everything but containers and identifiers).
#[inline(never)]
fn literal(token: Token, pos: Pos) -> Result<Variant, ParseError> {
    Ok(match token {
        Token::Int(i) => Variant::Int(i),
        Token::Float(f, _) => Variant::Float(f),
        Token::String(s) => Variant::String(s),
        Token::StringName(s) => Variant::StringName(StringName::from(s)),
        Token::NodePath(s) => Variant::NodePath(NodePath::new(&s)),
        Token::Color([r, g, b, a]) => Variant::Color(Color::new(r, g, b, a)),
        other => return Err(unexpected(pos, "a value", &other)),
    })
}

/// "expected …, got …", built out of line (see [`Parser::value`]).
#[cold]
#[inline(never)]
pub(super) fn unexpected(pos: Pos, expected: &str, got: &Token) -> ParseError {
    ParseError::at(pos, format!("expected {expected}, got {}", got.describe()))
}

#[cold]
#[inline(never)]
fn too_deep(pos: Pos) -> ParseError {
    ParseError::at(pos, format!("nested deeper than {MAX_TEXT_DEPTH} levels"))
}

pub(super) fn int_arg<T: TryFrom<i64>>(n: Num, pos: Pos, name: &str) -> Result<T, ParseError> {
    match n {
        Num::Int(i) => T::try_from(i)
            .map_err(|_| ParseError::at(pos, format!("{i} is out of range for {name}"))),
        Num::Float(f, _) => Err(ParseError::at(
            pos,
            format!("expected an integer for {name}, got {f}"),
        )),
    }
}

pub(super) fn basis(e: &[f32]) -> Basis {
    let row = |r: usize| Vector3::new(e[r * 3], e[r * 3 + 1], e[r * 3 + 2]);
    Basis::new([row(0), row(1), row(2)])
}

pub(super) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = acc << 6 | value(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&acc.to_be_bytes()[1..]),
            3 => out.extend_from_slice(&(acc << 6).to_be_bytes()[1..3]),
            2 => out.push((acc >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}
