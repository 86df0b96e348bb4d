//! The text layout shared by `project.godot` (Godot's ConfigFile), `.tscn` and `.tres`:
//! `[tag key=value ...]` headers, each followed by `key = value` lines, values in Godot's
//! text Variant form (which may span lines inside brackets and strings), `;` comments.
//!
//! This layer only cuts the file into sections, keys and raw value texts with their lines;
//! [`crate::value`] reads the values.

use crate::error::{ProjectError, Result};

/// The text of one value as written, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    /// The value's text, trimmed.
    pub text: String,
    /// 1-based line where the value starts.
    pub line: usize,
}

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assign {
    /// The key (`properties/0/path`, `run/main_scene`, ...).
    pub key: String,
    /// Its value.
    pub value: RawValue,
    /// 1-based line of the key.
    pub line: usize,
}

/// A `[tag field=value ...]` header and the assignments under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The tag name (`gd_scene`, `node`, `application`, ...).
    pub tag: String,
    /// The header's fields, in order.
    pub fields: Vec<(String, RawValue)>,
    /// 1-based line of the header.
    pub line: usize,
    /// The assignments up to the next header.
    pub body: Vec<Assign>,
}

impl Section {
    /// The raw value of a header field.
    pub fn field(&self, name: &str) -> Option<&RawValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// A whole file cut into sections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextFile {
    /// Assignments before the first header (`config_version=5` in `project.godot`).
    pub preamble: Vec<Assign>,
    /// The sections in file order.
    pub sections: Vec<Section>,
}

/// Cuts `text` (the contents of `file`) into sections.
pub fn parse(file: &str, text: &str) -> Result<TextFile> {
    let mut cursor = Cursor {
        file,
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
    };
    let mut out = TextFile::default();
    loop {
        cursor.skip_blank_and_comments();
        let Some(c) = cursor.peek() else {
            return Ok(out);
        };
        if c == '[' {
            let section = cursor.section_header()?;
            out.sections.push(section);
        } else {
            let assign = cursor.assignment()?;
            match out.sections.last_mut() {
                Some(section) => section.body.push(assign),
                None => out.preamble.push(assign),
            }
        }
    }
}

struct Cursor<'a> {
    file: &'a str,
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ProjectError {
        ProjectError::at(self.file, line, message)
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.bump();
        }
    }

    fn skip_blank_and_comments(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == ';' {
                self.skip_comment();
            } else {
                break;
            }
        }
    }

    fn skip_inline_space(&mut self) {
        while self
            .peek()
            .is_some_and(|c| c == ' ' || c == '\t' || c == '\r')
        {
            self.bump();
        }
    }

    fn section_header(&mut self) -> Result<Section> {
        let line = self.line;
        self.bump(); // '['
        let mut tag = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ']' {
                break;
            }
            tag.push(c);
            self.bump();
        }
        if tag.is_empty() {
            return Err(self.error(line, "a '[' header without a tag name"));
        }
        let mut fields = Vec::new();
        loop {
            self.skip_inline_space();
            match self.peek() {
                Some(']') => {
                    self.bump();
                    break;
                }
                None | Some('\n') => {
                    return Err(self.error(
                        line,
                        format!("the [{tag} ...] header is not closed with ']'"),
                    ));
                }
                Some(_) => {}
            }
            let key_line = self.line;
            let mut key = String::new();
            while let Some(c) = self.peek() {
                if c == '=' || c.is_whitespace() || c == ']' {
                    break;
                }
                key.push(c);
                self.bump();
            }
            if self.peek() != Some('=') || key.is_empty() {
                return Err(self.error(
                    key_line,
                    format!("expected field=value in the [{tag}] header"),
                ));
            }
            self.bump(); // '='
            let value = self.value(true)?;
            fields.push((key, value));
        }
        Ok(Section {
            tag,
            fields,
            line,
            body: Vec::new(),
        })
    }

    fn assignment(&mut self) -> Result<Assign> {
        let line = self.line;
        let key = if self.peek() == Some('"') {
            let start = self.pos;
            self.string(line)?;
            let quoted: String = self.chars[start..self.pos].iter().collect();
            match netscene_variant::str_to_var(&quoted) {
                Ok(netscene_variant::Variant::String(key)) => key,
                _ => return Err(self.error(line, "a quoted key that is not a string")),
            }
        } else {
            let mut key = String::new();
            while let Some(c) = self.peek() {
                if c == '=' || c == '\n' {
                    break;
                }
                key.push(c);
                self.bump();
            }
            key.trim().to_string()
        };
        self.skip_inline_space();
        if self.peek() != Some('=') || key.is_empty() {
            return Err(self.error(line, "expected `key = value` or a `[section]` header"));
        }
        self.bump(); // '='
        self.skip_inline_space();
        let value = self.value(false)?;
        Ok(Assign { key, value, line })
    }

    /// Consumes a `"..."` string (escapes included); `line` is where its value starts.
    fn string(&mut self, line: usize) -> Result<()> {
        self.bump(); // opening quote
        loop {
            match self.bump() {
                None => return Err(self.error(line, "a string that is never closed")),
                Some('\\') => {
                    if self.bump().is_none() {
                        return Err(self.error(line, "a string that is never closed"));
                    }
                }
                Some('"') => return Ok(()),
                Some(_) => {}
            }
        }
    }

    /// Consumes one value: up to the end of the line (or, in a header, the next space or
    /// `]`) outside brackets and strings.
    fn value(&mut self, in_header: bool) -> Result<RawValue> {
        let line = self.line;
        let start = self.pos;
        let mut open: Vec<(char, usize)> = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '"' => self.string(self.line)?,
                '(' | '[' | '{' => {
                    let close = match c {
                        '(' => ')',
                        '[' => ']',
                        _ => '}',
                    };
                    open.push((close, self.line));
                    self.bump();
                }
                ')' | ']' | '}' => {
                    if open.last().is_some_and(|(close, _)| *close == c) {
                        open.pop();
                        self.bump();
                    } else if in_header && c == ']' && open.is_empty() {
                        break;
                    } else {
                        return Err(self.error(self.line, format!("an unexpected '{c}'")));
                    }
                }
                '\n' if open.is_empty() => break,
                ';' if open.is_empty() && !in_header => break,
                c if in_header && open.is_empty() && c.is_whitespace() => break,
                _ => {
                    self.bump();
                }
            }
        }
        if let Some((close, opened)) = open.last() {
            return Err(self.error(
                *opened,
                format!("a bracket opened here is never closed with '{close}'"),
            ));
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(self.error(line, "a missing value after '='"));
        }
        Ok(RawValue { text, line })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_sections_fields_and_multiline_values() {
        let text = "; comment\nconfig_version=5\n\n[node name=\"A\" type=\"Node\" parent=\".\"]\n\
                    a = {\n\"k\": [1,\n2]\n}\nb = \"x\ny\" ; trailing\n[editable path=\"A/B\"]\n";
        let file = parse("t.tscn", text).unwrap();
        assert_eq!(file.preamble[0].key, "config_version");
        assert_eq!(file.sections.len(), 2);
        let node = &file.sections[0];
        assert_eq!(node.line, 4);
        assert_eq!(node.field("name").unwrap().text, "\"A\"");
        assert_eq!(node.body[0].value.text, "{\n\"k\": [1,\n2]\n}");
        assert_eq!(node.body[1].line, 9);
        assert_eq!(node.body[1].value.text, "\"x\ny\"");
        assert_eq!(file.sections[1].line, 11);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("x.tscn", "[node name=\"A\"]\na = [1, 2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.tscn:2: a bracket opened here is never closed with ']'"
        );
        let err = parse("x.tscn", "\n\n[node name=\"A\"\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        let err = parse("x.tscn", "[a]\njunk\n").unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
