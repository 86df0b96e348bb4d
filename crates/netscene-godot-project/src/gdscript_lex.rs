//! A GDScript tokenizer just deep enough for the wire contract: identifiers, annotations,
//! literals, punctuation and logical line ends, each with its line and the indentation of the
//! line it starts. Strings (all quote forms, raw, `&"..."`, `^"..."`), comments, brackets
//! spanning lines and `\` continuations are skipped correctly so that nothing inside them is
//! mistaken for code.

use crate::error::{ProjectError, Result};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword.
    Ident(String),
    /// `@name`.
    Annotation(String),
    /// A string literal, escapes decoded.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// Any other number.
    Float,
    /// Any other character.
    Punct(char),
    /// The end of a logical line.
    Newline,
}

/// A token with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// 1-based line.
    pub line: usize,
    /// Indentation (characters of leading whitespace) of the logical line it belongs to.
    pub indent: usize,
}

/// Splits a script into tokens.
pub fn tokenize(file: &str, source: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut depth = 0usize;
    let mut indent = 0;
    let mut at_line_start = true;
    while i < chars.len() {
        let c = chars[i];
        if at_line_start {
            let mut n = 0;
            while i + n < chars.len() && (chars[i + n] == ' ' || chars[i + n] == '\t') {
                n += 1;
            }
            indent = n;
            i += n;
            at_line_start = false;
            continue;
        }
        match c {
            '\n' => {
                i += 1;
                line += 1;
                if depth == 0 {
                    if !matches!(
                        out.last(),
                        None | Some(Token {
                            tok: Tok::Newline,
                            ..
                        })
                    ) {
                        out.push(Token {
                            tok: Tok::Newline,
                            line: line - 1,
                            indent,
                        });
                    }
                    at_line_start = true;
                }
            }
            ' ' | '\t' | '\r' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
            }
            '\\' if chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n') => {
                i += 3;
                line += 1;
            }
            '"' | '\'' => {
                let (text, next, lines) = string(file, &chars, i, line, false)?;
                out.push(Token {
                    tok: Tok::Str(text),
                    line,
                    indent,
                });
                line += lines;
                i = next;
            }
            'r' | '&' | '^' if matches!(chars.get(i + 1), Some('"' | '\'')) => {
                let (text, next, lines) = string(file, &chars, i + 1, line, c == 'r')?;
                out.push(Token {
                    tok: Tok::Str(text),
                    line,
                    indent,
                });
                line += lines;
                i = next;
            }
            '@' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && is_ident(chars[end]) {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                out.push(Token {
                    tok: Tok::Annotation(name),
                    line,
                    indent,
                });
                i = end;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    // An exponent sign belongs to the number.
                    if matches!(chars[i], 'e' | 'E')
                        && !chars[start..i]
                            .iter()
                            .any(|c| matches!(c, 'x' | 'X' | 'b' | 'B'))
                        && matches!(chars.get(i + 1), Some('+' | '-'))
                    {
                        i += 1;
                    }
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                let tok = if let Some(hex) =
                    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
                {
                    i64::from_str_radix(hex, 16).map_or(Tok::Float, Tok::Int)
                } else if let Some(bin) =
                    text.strip_prefix("0b").or_else(|| text.strip_prefix("0B"))
                {
                    i64::from_str_radix(bin, 2).map_or(Tok::Float, Tok::Int)
                } else {
                    text.parse::<i64>().map_or(Tok::Float, Tok::Int)
                };
                out.push(Token { tok, line, indent });
            }
            c if is_ident(c) => {
                let start = i;
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(chars[start..i].iter().collect()),
                    line,
                    indent,
                });
            }
            c => {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push(Token {
                    tok: Tok::Punct(c),
                    line,
                    indent,
                });
                i += 1;
            }
        }
    }
    if !matches!(
        out.last(),
        None | Some(Token {
            tok: Tok::Newline,
            ..
        })
    ) {
        out.push(Token {
            tok: Tok::Newline,
            line,
            indent,
        });
    }
    Ok(out)
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Reads a string literal starting at its opening quote; returns its decoded text, the index
/// after it and how many newlines it spans.
fn string(
    file: &str,
    chars: &[char],
    start: usize,
    line: usize,
    raw: bool,
) -> Result<(String, usize, usize)> {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    let mut text = String::new();
    let mut lines = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(ProjectError::at(
                file,
                line,
                "a string that is never closed",
            ));
        };
        if c == '\n' {
            if !triple {
                return Err(ProjectError::at(
                    file,
                    line,
                    "a string that is not closed on its line",
                ));
            }
            lines += 1;
        }
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err(ProjectError::at(
                    file,
                    line,
                    "a string that is never closed",
                ));
            };
            if next == '\n' {
                lines += 1;
            }
            if raw {
                text.push(c);
                text.push(next);
            } else {
                text.push(match next {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
            }
            i += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return Ok((text, i + 1, lines));
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return Ok((text, i + 3, lines));
            }
        }
        text.push(c);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize("t.gd", src)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn strings_comments_and_brackets_hide_code() {
        let t = toks("var a = \"@rpc func x\" # @rpc\nvar b = [\n  1,\n]\n\"\"\"\n@rpc\n\"\"\"\n");
        assert!(!t.contains(&Tok::Annotation("rpc".into())));
        assert_eq!(t.iter().filter(|t| **t == Tok::Newline).count(), 3);
    }

    #[test]
    fn lines_and_indents() {
        let tokens = tokenize("t.gd", "a\n\tb \\\n c\n").unwrap();
        assert_eq!((tokens[2].line, tokens[2].indent), (2, 1));
        assert_eq!(tokens[3].tok, Tok::Ident("c".into()));
        assert_eq!(tokens[3].line, 3);
    }

    #[test]
    fn unterminated_string_names_its_line() {
        let err = tokenize("t.gd", "\n\nvar s = \"abc\n").unwrap_err();
        assert_eq!(err.line, Some(3));
    }
}
