//! Tokens of Godot's text form (`VariantParser::get_token`).

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    CurlyOpen,
    CurlyClose,
    BracketOpen,
    BracketClose,
    ParenOpen,
    ParenClose,
    Colon,
    Comma,
    Identifier(String),
    String(String),
    /// `&"name"`.
    StringName(String),
    /// `^"path"` (GDScript's node path literal; accepted as an extension).
    NodePath(String),
    Int(i64),
    /// A float, also read directly as `f32` so single-precision values round once.
    Float(f64, f32),
    /// `#rrggbb[aa]`, `#rgb[a]`.
    Color([f32; 4]),
    Eof,
}

impl Token {
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::CurlyOpen => "'{'".into(),
            Token::CurlyClose => "'}'".into(),
            Token::BracketOpen => "'['".into(),
            Token::BracketClose => "']'".into(),
            Token::ParenOpen => "'('".into(),
            Token::ParenClose => "')'".into(),
            Token::Colon => "':'".into(),
            Token::Comma => "','".into(),
            Token::Identifier(id) => format!("identifier '{id}'"),
            Token::String(_) => "string".into(),
            Token::StringName(_) => "string name".into(),
            Token::NodePath(_) => "node path".into(),
            Token::Int(_) | Token::Float(..) => "number".into(),
            Token::Color(_) => "color".into(),
            Token::Eof => "end of input".into(),
        }
    }
}

/// Position of a token: byte offset, 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub(crate) offset: usize,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self {
            src,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    pub(crate) fn pos(&self) -> Pos {
        Pos {
            offset: self.offset,
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.offset..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn error(&self, at: Pos, message: impl Into<String>) -> ParseError {
        ParseError::at(at, message)
    }

    /// The next token and where it starts.
    pub(crate) fn next_token(&mut self) -> Result<(Token, Pos), ParseError> {
        loop {
            let start = self.pos();
            let Some(c) = self.bump() else {
                return Ok((Token::Eof, start));
            };
            let token = match c {
                '{' => Token::CurlyOpen,
                '}' => Token::CurlyClose,
                '[' => Token::BracketOpen,
                ']' => Token::BracketClose,
                '(' => Token::ParenOpen,
                ')' => Token::ParenClose,
                ':' => Token::Colon,
                ',' => Token::Comma,
                ';' => {
                    // Comment to the end of the line.
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                    continue;
                }
                '#' => self.color(start)?,
                '&' | '^' => {
                    if self.peek() != Some('"') {
                        return Err(self.error(start, format!("expected '\"' after '{c}'")));
                    }
                    self.bump();
                    let s = self.string(start)?;
                    if c == '&' {
                        Token::StringName(s)
                    } else {
                        Token::NodePath(s)
                    }
                }
                '"' => Token::String(self.string(start)?),
                c if c == '-' || c.is_ascii_digit() => self.number(start, c)?,
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let mut id = String::from(c);
                    while let Some(n) = self
                        .peek()
                        .filter(|n| n.is_ascii_alphanumeric() || *n == '_')
                    {
                        id.push(n);
                        self.bump();
                    }
                    Token::Identifier(id)
                }
                c if c.is_whitespace() || (c as u32) <= 32 => continue,
                c => return Err(self.error(start, format!("unexpected character {c:?}"))),
            };
            return Ok((token, start));
        }
    }

    fn number(&mut self, start: Pos, first: char) -> Result<Token, ParseError> {
        let mut text = String::from(first);
        let mut is_float = false;
        while let Some(c) = self.peek() {
            let accept = c.is_ascii_digit()
                || (c == '.' && !is_float)
                || ((c == 'e' || c == 'E') && !text.contains(['e', 'E']))
                || ((c == '-' || c == '+') && text.ends_with(['e', 'E']));
            if !accept {
                break;
            }
            if !c.is_ascii_digit() {
                is_float = true;
            }
            text.push(c);
            self.bump();
        }
        if is_float {
            match (text.parse::<f64>(), text.parse::<f32>()) {
                (Ok(wide), Ok(single)) => Ok(Token::Float(wide, single)),
                _ => Err(self.error(start, format!("malformed number '{text}'"))),
            }
        } else {
            text.parse::<i64>().map(Token::Int).map_err(|_| {
                self.error(start, format!("malformed or out-of-range integer '{text}'"))
            })
        }
    }

    /// The rest of a `"…"` string (the opening quote is consumed), with Godot's escapes.
    fn string(&mut self, start: Pos) -> Result<String, ParseError> {
        let mut out = String::new();
        let mut lead_surrogate: Option<u32> = None;
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(start, "unterminated string"));
            };
            let code = match c {
                '"' => break,
                '\\' => {
                    let escape_at = self.pos();
                    let Some(next) = self.bump() else {
                        return Err(self.error(start, "unterminated string"));
                    };
                    match next {
                        'a' => 7,
                        'b' => 8,
                        't' => 9,
                        'n' => 10,
                        'v' => 11,
                        'f' => 12,
                        'r' => 13,
                        'u' | 'U' => {
                            let len = if next == 'U' { 6 } else { 4 };
                            let mut value = 0u32;
                            for _ in 0..len {
                                let digit =
                                    self.bump().and_then(|h| h.to_digit(16)).ok_or_else(|| {
                                        self.error(escape_at, "malformed hex constant in string")
                                    })?;
                                value = value << 4 | digit;
                            }
                            value
                        }
                        other => other as u32,
                    }
                }
                c => c as u32,
            };
            // UTF-16 surrogate pairs written as two \u escapes.
            let code = match (lead_surrogate.take(), code) {
                (None, 0xD800..=0xDBFF) => {
                    lead_surrogate = Some(code);
                    continue;
                }
                (Some(lead), 0xDC00..=0xDFFF) => {
                    0x10000 + ((lead - 0xD800) << 10) + (code - 0xDC00)
                }
                (Some(_), _) => {
                    return Err(self.error(
                        start,
                        "invalid UTF-16 sequence in string, unpaired lead surrogate",
                    ));
                }
                (None, 0xDC00..=0xDFFF) => {
                    return Err(self.error(
                        start,
                        "invalid UTF-16 sequence in string, unpaired trail surrogate",
                    ));
                }
                (None, code) => code,
            };
            match char::from_u32(code) {
                Some(ch) => out.push(ch),
                None => {
                    return Err(
                        self.error(start, format!("invalid character code {code:#x} in string"))
                    );
                }
            }
        }
        if lead_surrogate.is_some() {
            return Err(self.error(
                start,
                "invalid UTF-16 sequence in string, unpaired lead surrogate",
            ));
        }
        Ok(out)
    }

    /// `#` and hex digits, as Godot's `Color::html`.
    fn color(&mut self, start: Pos) -> Result<Token, ParseError> {
        let mut digits = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_hexdigit) {
            digits.push(c);
            self.bump();
        }
        let nibble = |i: usize| {
            digits[i..=i]
                .chars()
                .next()
                .and_then(|c| c.to_digit(16))
                .unwrap_or(0) as f32
        };
        let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).unwrap_or(0) as f32;
        let rgba = match digits.len() {
            3 | 4 => {
                let a = if digits.len() == 4 { nibble(3) } else { 15.0 };
                [
                    nibble(0) / 15.0,
                    nibble(1) / 15.0,
                    nibble(2) / 15.0,
                    a / 15.0,
                ]
            }
            6 | 8 => {
                let a = if digits.len() == 8 { byte(6) } else { 255.0 };
                [byte(0) / 255.0, byte(2) / 255.0, byte(4) / 255.0, a / 255.0]
            }
            _ => return Err(self.error(start, format!("invalid color code '#{digits}'"))),
        };
        Ok(Token::Color(rgba))
    }
}
