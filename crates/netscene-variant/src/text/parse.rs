//! `str_to_var`: Godot's text form back to a value (`VariantParser::parse_value`). Here: the
//! parser's token stream, the whole document, literals and constructor arguments; containers are
//! read in `nesting.rs`, the named constructors in `constructors.rs`.

use super::ParseError;
use super::lex::{Lexer, Pos, Token};
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::variant::Variant;

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
        let value = self.value(token, pos)?;
        let (rest, at) = self.next()?;
        if rest != Token::Eof {
            return Err(ParseError::at(
                at,
                format!("unexpected {} after the value", rest.describe()),
            ));
        }
        Ok(value)
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
pub(super) fn literal(token: Token, pos: Pos) -> Result<Variant, ParseError> {
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

/// "expected …, got …".
#[cold]
#[inline(never)]
pub(super) fn unexpected(pos: Pos, expected: &str, got: &Token) -> ParseError {
    ParseError::at(pos, format!("expected {expected}, got {}", got.describe()))
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
