//! The containers of Godot's text form (`[…]`, `{…}`, `Array[T]([…])`, `Dictionary[K, V]({…})`,
//! `Object(Class, "name": value, …)`), parsed without recursion.
//!
//! Godot's `VariantParser` recurses once per level and sets no limit, so deep enough text
//! overflows its stack. Here the containers still being read sit on an explicit stack on the
//! heap, as in the binary decoder, so the parser's own stack use does not grow with nesting and it
//! accepts the decoder's depth, [`MAX_DECODE_DEPTH`]. The recursive version this replaces needed
//! ~5 KiB of stack per level of typed arrays, dictionaries or objects in a debug build: 2.5 MiB
//! at 512 levels, more than a 2 MiB thread has.

use super::ParseError;
use super::lex::{Pos, Token};
use super::parse::{Parser, literal, unexpected};
use crate::MAX_DECODE_DEPTH;
use crate::containers::{Array, ContainerType, DictionaryBuilder};
use crate::variant::{ObjectValue, Variant, VariantType};

/// A container whose elements are still being read.
struct Open {
    container: Container,
    /// An element has been read, so a separator or the closing token comes next.
    element_read: bool,
}

enum Container {
    /// `[…]`, or `Array[T]([…])` when `typed` (closed by `])`).
    Array {
        element_type: ContainerType,
        items: Vec<Variant>,
        typed: bool,
    },
    /// `{…}`, or `Dictionary[K, V]({…})` when `typed` (closed by `})`).
    Dictionary {
        builder: DictionaryBuilder,
        /// The key whose value is being read.
        key: Option<Variant>,
        typed: bool,
    },
    /// `Object(Class, "name": value, …)`.
    Object {
        class: String,
        properties: Vec<(String, Variant)>,
        /// The name of the property whose value is being read.
        name: Option<String>,
    },
}

/// The start of a value: complete, or a container to fill.
enum Started {
    Done(Variant),
    Open(Container),
}

impl Open {
    fn new(container: Container) -> Self {
        Self {
            container,
            element_read: false,
        }
    }

    /// True when the next element is an object's `script` property.
    fn reads_script(&self) -> bool {
        matches!(&self.container, Container::Object { name: Some(n), .. } if n == "script")
    }

    /// Takes the next element (a dictionary's key, then its value).
    fn accept(&mut self, value: Variant) {
        match &mut self.container {
            Container::Array { items, .. } => {
                items.push(value);
                self.element_read = true;
            }
            Container::Dictionary { builder, key, .. } => match key.take() {
                None => *key = Some(value),
                Some(k) => {
                    builder.insert(k, value);
                    self.element_read = true;
                }
            },
            Container::Object {
                properties, name, ..
            } => {
                properties.push((name.take().unwrap_or_default(), value));
                self.element_read = true;
            }
        }
    }

    fn finish(self) -> Variant {
        match self.container {
            Container::Array {
                element_type,
                items,
                ..
            } => {
                let items = super::typed::assign_array(&element_type, items);
                Variant::Array(Array::typed(element_type, items))
            }
            Container::Dictionary { builder, .. } => {
                Variant::Dictionary(super::typed::assign_dictionary(builder.finish()))
            }
            Container::Object {
                class, properties, ..
            } => object_value(class, properties),
        }
    }
}

impl Parser<'_> {
    /// One value starting with `token`, with everything nested in it.
    pub(super) fn value(&mut self, token: Token, pos: Pos) -> Result<Variant, ParseError> {
        match self.start(token, pos)? {
            Started::Done(value) => Ok(value),
            Started::Open(container) => self.fill(Open::new(container)),
        }
    }

    /// Reads the elements of `outermost` and of every container nested in it.
    fn fill(&mut self, outermost: Open) -> Result<Variant, ParseError> {
        let mut current = outermost;
        let mut parents: Vec<Open> = Vec::new();
        loop {
            let value = match self.next_element(&mut current)? {
                Some((token, pos)) => {
                    // The element sits inside `current` and every one of its parents.
                    if parents.len() + 1 > MAX_DECODE_DEPTH {
                        return Err(too_deep(pos));
                    }
                    if current.reads_script() && token == Token::Identifier("Resource".into()) {
                        current.accept(Variant::String(self.script_reference()?));
                        continue;
                    }
                    match self.start(token, pos)? {
                        Started::Done(value) => value,
                        Started::Open(container) => {
                            parents.push(std::mem::replace(&mut current, Open::new(container)));
                            continue;
                        }
                    }
                }
                // `current` is complete: it becomes an element of its parent.
                None => match parents.pop() {
                    Some(parent) => std::mem::replace(&mut current, parent).finish(),
                    None => return Ok(current.finish()),
                },
            };
            current.accept(value);
        }
    }

    /// A value's first token read: a complete value, or the opening of a container (everything
    /// up to its first element).
    fn start(&mut self, token: Token, pos: Pos) -> Result<Started, ParseError> {
        let container = match token {
            Token::BracketOpen => Container::Array {
                element_type: ContainerType::None,
                items: Vec::new(),
                typed: false,
            },
            Token::CurlyOpen => Container::Dictionary {
                builder: DictionaryBuilder::new(ContainerType::None, ContainerType::None, 0),
                key: None,
                typed: false,
            },
            Token::Identifier(id) => match id.as_str() {
                "Array" => self.typed_array()?,
                "Dictionary" => self.typed_dictionary()?,
                "Object" => self.object()?,
                _ => return self.identifier(&id, pos).map(Started::Done),
            },
            other => return literal(other, pos).map(Started::Done),
        };
        Ok(Started::Open(container))
    }

    /// The first token of `open`'s next element, or `None` once its closing token(s) are read.
    /// Separators, a dictionary's `:` and an object's property name are consumed here.
    fn next_element(&mut self, open: &mut Open) -> Result<Option<(Token, Pos)>, ParseError> {
        match &mut open.container {
            Container::Array { typed, .. } => {
                let typed = *typed;
                if open.element_read {
                    let (token, pos) = self.next()?;
                    match token {
                        Token::Comma => {}
                        Token::BracketClose => return self.close_typed(typed),
                        _ => return Err(unexpected(pos, "',' or ']'", &token)),
                    }
                }
                // After `[` or a comma (a trailing comma is accepted).
                let (token, pos) = self.next()?;
                match token {
                    Token::BracketClose => self.close_typed(typed),
                    Token::Eof => Err(unexpected(pos, "a value or ']'", &token)),
                    _ => Ok(Some((token, pos))),
                }
            }
            Container::Dictionary { key, typed, .. } => {
                let typed = *typed;
                if key.is_some() {
                    let (token, pos) = self.next()?;
                    if token != Token::Colon {
                        return Err(unexpected(pos, "':'", &token));
                    }
                    return self.next().map(Some);
                }
                if open.element_read {
                    let (token, pos) = self.next()?;
                    match token {
                        Token::Comma => {}
                        Token::CurlyClose => return self.close_typed(typed),
                        _ => return Err(unexpected(pos, "',' or '}'", &token)),
                    }
                }
                let (token, pos) = self.next()?;
                match token {
                    Token::CurlyClose => self.close_typed(typed),
                    Token::Eof => Err(unexpected(pos, "a key or '}'", &token)),
                    _ => Ok(Some((token, pos))),
                }
            }
            Container::Object { name, .. } => {
                if open.element_read {
                    let (token, pos) = self.next()?;
                    match token {
                        Token::Comma => {}
                        Token::ParenClose => return Ok(None),
                        other => {
                            return Err(ParseError::at(
                                pos,
                                format!("expected ',' or ')', got {}", other.describe()),
                            ));
                        }
                    }
                }
                let (token, pos) = self.next()?;
                let property = match token {
                    Token::ParenClose => return Ok(None),
                    Token::String(s) => s,
                    other => {
                        return Err(ParseError::at(
                            pos,
                            format!("expected property name as string, got {}", other.describe()),
                        ));
                    }
                };
                self.expect(Token::Colon, "':'")?;
                *name = Some(property);
                self.next().map(Some)
            }
        }
    }

    /// After a container's `]` or `}`: the `)` of the typed form's constructor.
    fn close_typed(&mut self, typed: bool) -> Result<Option<(Token, Pos)>, ParseError> {
        if typed {
            self.expect(Token::ParenClose, "')'")?;
        }
        Ok(None)
    }

    /// `Object(Class,` (the identifier is read): the object up to its first property.
    fn object(&mut self) -> Result<Container, ParseError> {
        self.expect(Token::ParenOpen, "'('")?;
        let (token, pos) = self.next()?;
        let Token::Identifier(class) = token else {
            return Err(ParseError::at(
                pos,
                "expected identifier with type of object",
            ));
        };
        self.expect(Token::Comma, "',' after object type")?;
        Ok(Container::Object {
            class,
            properties: Vec::new(),
            name: None,
        })
    }

    /// An object's script as Godot writes it, `Resource("res://…")` or `Resource("uid://…",
    /// "res://…")` (the identifier is read): its path, which is how netscene holds a script.
    fn script_reference(&mut self) -> Result<String, ParseError> {
        self.expect(Token::ParenOpen, "'('")?;
        let first = self.string_token("a resource path")?;
        let (token, pos) = self.next()?;
        match token {
            Token::ParenClose => Ok(first),
            Token::Comma => {
                let path = self.string_token("a resource path")?;
                self.expect(Token::ParenClose, "')'")?;
                Ok(path)
            }
            other => Err(unexpected(pos, "')' or ','", &other)),
        }
    }

    fn string_token(&mut self, what: &str) -> Result<String, ParseError> {
        match self.next()? {
            (Token::String(s), _) => Ok(s),
            (other, pos) => Err(unexpected(pos, what, &other)),
        }
    }

    /// `Array[T]([` (the identifier is read).
    fn typed_array(&mut self) -> Result<Container, ParseError> {
        self.expect(Token::BracketOpen, "'['")?;
        let element_type = self.container_type()?;
        self.expect(Token::BracketClose, "']'")?;
        self.expect(Token::ParenOpen, "'('")?;
        self.expect(Token::BracketOpen, "'['")?;
        Ok(Container::Array {
            element_type,
            items: Vec::new(),
            typed: true,
        })
    }

    /// `Dictionary[K, V]({` (the identifier is read).
    fn typed_dictionary(&mut self) -> Result<Container, ParseError> {
        self.expect(Token::BracketOpen, "'['")?;
        let key_type = self.container_type()?;
        self.expect(Token::Comma, "',' after key type")?;
        let value_type = self.container_type()?;
        self.expect(Token::BracketClose, "']'")?;
        self.expect(Token::ParenOpen, "'('")?;
        self.expect(Token::CurlyOpen, "'{'")?;
        Ok(Container::Dictionary {
            builder: DictionaryBuilder::new(key_type, value_type, 0),
            key: None,
            typed: true,
        })
    }

    /// `[Type]` of a typed container: a builtin name, `Variant`, a class name, or
    /// `Resource("res://…")` for a script.
    fn container_type(&mut self) -> Result<ContainerType, ParseError> {
        let (token, pos) = self.next()?;
        let Token::Identifier(name) = token else {
            return Err(ParseError::at(pos, "expected type identifier"));
        };
        if name == "Resource" {
            return Ok(ContainerType::Script(self.string_arg("Resource()")?));
        }
        if name == "Variant" {
            return Ok(ContainerType::None);
        }
        Ok(match VariantType::from_name(&name) {
            Some(VariantType::Nil) => ContainerType::None,
            Some(ty) => ContainerType::Builtin(ty),
            None => ContainerType::ClassName(name),
        })
    }
}

/// A parsed `Object(…)`: `EncodedObjectAsID` with an `object_id` reads back as an instance id.
fn object_value(class: String, properties: Vec<(String, Variant)>) -> Variant {
    if class == crate::decode::ENCODED_OBJECT_AS_ID {
        let id = properties.iter().find_map(|(k, v)| match v {
            Variant::Int(i) if k == "object_id" => Some(*i as u64),
            _ => None,
        });
        return Variant::Object(match id {
            Some(0) | None => ObjectValue::Null,
            Some(id) => ObjectValue::Id(id),
        });
    }
    Variant::Object(ObjectValue::Full { class, properties })
}

#[cold]
#[inline(never)]
fn too_deep(pos: Pos) -> ParseError {
    // Worded as the binary decoder's `DecodeErrorKind::TooDeep`.
    ParseError::at(
        pos,
        format!("values nested deeper than {MAX_DECODE_DEPTH} levels"),
    )
}
