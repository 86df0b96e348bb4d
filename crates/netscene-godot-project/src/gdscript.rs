//! What a GDScript file declares for the wire: `extends`, `class_name`, and the `@rpc`
//! annotations of its top-level functions, with Godot's defaults (`authority`, `call_remote`,
//! `reliable`, channel 0) and its rules (the first three arguments are mode, locality and
//! transfer mode in any order, each at most once; the fourth is the channel). Calls to
//! `rpc_config(...)` set node-level configs at run time, which no reader can know: they are
//! reported, never guessed.

use netscene::{RpcConfig, RpcMode, TransferMode};
use netscene_variant::{Variant, str_to_var};

use crate::error::{ProjectError, Result};
use crate::gdscript_lex::{Tok, Token, tokenize};
use crate::resource::resolve_path;

/// What a script extends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extends {
    /// A class name: a `class_name` of the project, or an engine class (`Node2D`).
    Class(String),
    /// Another script by path (`extends "res://base.gd"`), made absolute.
    Path(String),
}

/// One `@rpc` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcDecl {
    /// The function's name.
    pub method: String,
    /// Its configuration, as Godot computes it from the annotation.
    pub config: RpcConfig,
    /// Line of the annotation.
    pub line: usize,
}

/// What a script declares.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Script {
    /// The script (`res://...`, or `res://scene.tscn::GDScript_id` for a built-in script).
    pub file: String,
    /// `class_name`.
    pub class_name: Option<String>,
    /// `extends` (absent means `RefCounted`), and its line.
    pub extends: Option<(Extends, usize)>,
    /// The `@rpc` functions, in file order.
    pub rpcs: Vec<RpcDecl>,
    /// Lines calling `rpc_config(...)`: configs only known at run time.
    pub runtime_rpc_config: Vec<usize>,
    /// Top-level `var`s with the value they start with, when it is a literal (or the type's
    /// default when only a built-in type is given): what a spawned node holds before code runs.
    pub vars: Vec<(String, Variant)>,
}

/// Parses a script's source. `file` names it in errors and resolves relative `extends` paths;
/// `first_line` is the line the source starts on in that file (1 for a `.gd` file).
pub fn parse(file: &str, source: &str, first_line: usize) -> Result<Script> {
    let mut tokens = tokenize(file, source)?;
    for t in &mut tokens {
        t.line += first_line - 1;
    }
    let mut script = Script {
        file: file.to_string(),
        class_name: None,
        extends: None,
        rpcs: Vec::new(),
        runtime_rpc_config: Vec::new(),
        vars: Vec::new(),
    };
    let lines: Vec<&str> = source.lines().collect();
    for (i, t) in tokens.iter().enumerate() {
        if t.tok == Tok::Ident("rpc_config".into())
            && tokens.get(i + 1).is_some_and(|n| n.tok == Tok::Punct('('))
            && !(i > 0 && tokens[i - 1].tok == Tok::Ident("func".into()))
        {
            script.runtime_rpc_config.push(t.line);
        }
    }
    let mut pending: Option<(RpcConfig, usize)> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.indent != 0 {
            // Bodies of functions and inner classes: not the script's own members.
            i += 1;
            continue;
        }
        match &t.tok {
            Tok::Annotation(name) if name == "rpc" => {
                if pending.is_some() {
                    return Err(ProjectError::at(
                        file,
                        t.line,
                        "@rpc may be used only once per function",
                    ));
                }
                let (args, next) = annotation_args(file, &tokens, i + 1)?;
                pending = Some((rpc_config(file, t.line, &args)?, t.line));
                i = next;
            }
            Tok::Annotation(_) => {
                let (_, next) =
                    annotation_args(file, &tokens, i + 1).unwrap_or((Vec::new(), i + 1));
                i = next;
            }
            Tok::Ident(word) if word == "func" => {
                let Some(Token {
                    tok: Tok::Ident(name),
                    ..
                }) = tokens.get(i + 1)
                else {
                    return Err(ProjectError::at(file, t.line, "`func` without a name"));
                };
                if let Some((config, line)) = pending.take() {
                    script.rpcs.push(RpcDecl {
                        method: name.clone(),
                        config,
                        line,
                    });
                }
                i = skip_line(&tokens, i);
            }
            Tok::Ident(word) if word == "static" => i += 1,
            Tok::Ident(word) if word == "var" => {
                if let Some((_, line)) = pending {
                    return Err(ProjectError::at(
                        file,
                        line,
                        "@rpc can only be applied to functions",
                    ));
                }
                if let Some(Token {
                    tok: Tok::Ident(name),
                    ..
                }) = tokens.get(i + 1)
                {
                    let source_line = lines
                        .get(t.line.saturating_sub(first_line))
                        .copied()
                        .unwrap_or("");
                    if let Some(value) = var_default(source_line, &tokens[i + 2..]) {
                        script.vars.push((name.clone(), value));
                    }
                }
                i = skip_line(&tokens, i);
            }
            Tok::Ident(word) if word == "class_name" => {
                let Some(Token {
                    tok: Tok::Ident(name),
                    ..
                }) = tokens.get(i + 1)
                else {
                    return Err(ProjectError::at(
                        file,
                        t.line,
                        "`class_name` without a name",
                    ));
                };
                script.class_name = Some(name.clone());
                i += 2;
            }
            Tok::Ident(word) if word == "extends" => {
                let line = t.line;
                let (extends, next) = extends_target(file, &tokens, i + 1)?;
                script.extends = Some((extends, line));
                i = next;
            }
            Tok::Newline => i += 1,
            _ => {
                if let Some((_, line)) = pending {
                    return Err(ProjectError::at(
                        file,
                        line,
                        "@rpc can only be applied to functions",
                    ));
                }
                i = skip_line(&tokens, i);
            }
        }
    }
    if let Some((_, line)) = pending {
        return Err(ProjectError::at(
            file,
            line,
            "@rpc is not followed by a function",
        ));
    }
    Ok(script)
}

/// The value a `var` starts with: a literal initializer read as Godot's text form (converted
/// to a declared `float`), or the default of a declared built-in type; `None` otherwise.
fn var_default(source_line: &str, after_name: &[Token]) -> Option<Variant> {
    let declared = match after_name {
        [
            Token {
                tok: Tok::Punct(':'),
                ..
            },
            Token {
                tok: Tok::Ident(ty),
                ..
            },
            ..,
        ] => Some(ty.as_str()),
        _ => None,
    };
    let init = source_line.split_once('=').map(|(_, rest)| rest.trim());
    let value = match init {
        Some(text) => {
            let text = text.strip_suffix(':').unwrap_or(text).trim();
            let text = match text.find('#') {
                Some(i) if !text[..i].contains('"') => text[..i].trim(),
                _ => text,
            };
            str_to_var(text).ok()?
        }
        None => match declared? {
            "int" => Variant::Int(0),
            "float" => Variant::Float(0.0),
            "bool" => Variant::Bool(false),
            "String" => Variant::String(String::new()),
            "Vector2" => Variant::Vector2(Default::default()),
            "Vector2i" => Variant::Vector2i(Default::default()),
            "Vector3" => Variant::Vector3(Default::default()),
            "Vector3i" => Variant::Vector3i(Default::default()),
            _ => return None,
        },
    };
    Some(match (declared, value) {
        (Some("float"), Variant::Int(n)) => Variant::Float(n as f64),
        (_, v) => v,
    })
}

fn skip_line(tokens: &[Token], mut i: usize) -> usize {
    while i < tokens.len() && tokens[i].tok != Tok::Newline {
        i += 1;
    }
    i
}

/// A literal annotation argument.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Str(String),
    Int(i64),
}

/// Reads `( arg, ... )` after an annotation, if present; returns the arguments and the index
/// after the closing parenthesis.
fn annotation_args(
    file: &str,
    tokens: &[Token],
    start: usize,
) -> Result<(Vec<(Arg, usize)>, usize)> {
    if tokens.get(start).map(|t| &t.tok) != Some(&Tok::Punct('(')) {
        return Ok((Vec::new(), start));
    }
    let open_line = tokens[start].line;
    let mut args = Vec::new();
    let mut i = start + 1;
    loop {
        let Some(t) = tokens.get(i) else {
            return Err(ProjectError::at(
                file,
                open_line,
                "an annotation's '(' is never closed",
            ));
        };
        match &t.tok {
            Tok::Punct(')') => return Ok((args, i + 1)),
            Tok::Punct(',') if !args.is_empty() => {
                i += 1;
                continue;
            }
            Tok::Str(s) => {
                args.push((Arg::Str(s.clone()), t.line));
                i += 1;
            }
            Tok::Int(n) => {
                args.push((Arg::Int(*n), t.line));
                i += 1;
            }
            Tok::Punct('-') if matches!(tokens.get(i + 1).map(|t| &t.tok), Some(Tok::Int(_))) => {
                if let Some(Tok::Int(n)) = tokens.get(i + 1).map(|t| &t.tok) {
                    args.push((Arg::Int(-n), t.line));
                }
                i += 2;
            }
            _ => {
                return Err(ProjectError::at(
                    file,
                    t.line,
                    "an annotation argument that is not a literal string or integer (a constant expression is computed by Godot; netscene reads literals only)",
                ));
            }
        }
        // After an argument: ',' or ')'.
        match tokens.get(i).map(|t| &t.tok) {
            Some(Tok::Punct(',' | ')')) => {}
            _ => {
                let line = tokens.get(i).map_or(open_line, |t| t.line);
                return Err(ProjectError::at(
                    file,
                    line,
                    "an annotation argument that is not a literal string or integer (a constant expression is computed by Godot; netscene reads literals only)",
                ));
            }
        }
    }
}

/// Godot's reading of `@rpc(...)` arguments.
fn rpc_config(file: &str, line: usize, args: &[(Arg, usize)]) -> Result<RpcConfig> {
    if args.len() > 4 {
        return Err(ProjectError::at(
            file,
            line,
            "@rpc takes at most 4 arguments (mode, sync, transfer mode, channel)",
        ));
    }
    let mut config = RpcConfig::default();
    let (mut locality, mut permission, mut transfer) = (0, 0, 0);
    for (index, (arg, arg_line)) in args.iter().enumerate() {
        if index == 3 {
            match arg {
                Arg::Int(channel) => {
                    config.channel = i32::try_from(*channel).map_err(|_| {
                        ProjectError::at(
                            file,
                            *arg_line,
                            format!("@rpc channel {channel} is out of range"),
                        )
                    })?;
                }
                Arg::Str(s) => {
                    return Err(ProjectError::at(
                        file,
                        *arg_line,
                        format!("the fourth @rpc argument is the channel, an integer, not \"{s}\""),
                    ));
                }
            }
            continue;
        }
        let Arg::Str(word) = arg else {
            return Err(ProjectError::at(
                file,
                *arg_line,
                "only the fourth @rpc argument may be a number (the channel); the first three are \"any_peer\"/\"authority\", \"call_local\"/\"call_remote\", \"reliable\"/\"unreliable\"/\"unreliable_ordered\"",
            ));
        };
        match word.as_str() {
            "call_local" | "call_remote" => {
                config.call_local = word == "call_local";
                locality += 1;
            }
            "any_peer" | "authority" => {
                config.mode = if word == "any_peer" {
                    RpcMode::AnyPeer
                } else {
                    RpcMode::Authority
                };
                permission += 1;
            }
            "reliable" => {
                config.transfer_mode = TransferMode::Reliable;
                transfer += 1;
            }
            "unreliable" => {
                config.transfer_mode = TransferMode::Unreliable;
                transfer += 1;
            }
            "unreliable_ordered" => {
                config.transfer_mode = TransferMode::UnreliableOrdered;
                transfer += 1;
            }
            other => {
                return Err(ProjectError::at(
                    file,
                    *arg_line,
                    format!(
                        "invalid @rpc argument \"{other}\": expected \"any_peer\"/\"authority\", \"call_local\"/\"call_remote\" or \"reliable\"/\"unreliable\"/\"unreliable_ordered\""
                    ),
                ));
            }
        }
    }
    for (count, what) in [
        (locality, "locality (call_local/call_remote)"),
        (permission, "mode (any_peer/authority)"),
        (transfer, "transfer mode"),
    ] {
        if count > 1 {
            return Err(ProjectError::at(
                file,
                line,
                format!("@rpc gives the {what} more than once"),
            ));
        }
    }
    Ok(config)
}

/// Reads what follows `extends`: a path string, or a dotted class name.
fn extends_target(file: &str, tokens: &[Token], start: usize) -> Result<(Extends, usize)> {
    let line = tokens.get(start).map_or(0, |t| t.line);
    match tokens.get(start).map(|t| &t.tok) {
        Some(Tok::Str(path)) => {
            if tokens.get(start + 1).map(|t| &t.tok) == Some(&Tok::Punct('.')) {
                return Err(ProjectError::at(
                    file,
                    line,
                    "extending an inner class of another script is not supported",
                ));
            }
            let resolved = if file.contains("::") {
                resolve_path(file.split("::").next().unwrap_or(file), path)
            } else {
                resolve_path(file, path)
            };
            Ok((Extends::Path(resolved), start + 1))
        }
        Some(Tok::Ident(name)) => {
            let mut full = name.clone();
            let mut i = start + 1;
            while tokens.get(i).map(|t| &t.tok) == Some(&Tok::Punct('.')) {
                let Some(Tok::Ident(part)) = tokens.get(i + 1).map(|t| &t.tok) else {
                    break;
                };
                full.push('.');
                full.push_str(part);
                i += 2;
            }
            Ok((Extends::Class(full), i))
        }
        _ => Err(ProjectError::at(
            file,
            line,
            "`extends` must be followed by a class name or a script path",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpcs(src: &str) -> Vec<(String, RpcConfig)> {
        parse("res://t.gd", src, 1)
            .unwrap()
            .rpcs
            .into_iter()
            .map(|r| (r.method, r.config))
            .collect()
    }

    #[test]
    fn defaults_and_any_order() {
        let got = rpcs(
            "extends Node\n@rpc\nfunc a(): pass\n@rpc(\"unreliable_ordered\", \"call_local\", \"any_peer\", 3)\nfunc b(x):\n\tpass\n@rpc(\"call_local\") func c(): pass\n",
        );
        assert_eq!(got[0], ("a".into(), RpcConfig::default()));
        assert_eq!(
            got[1].1,
            RpcConfig::any_peer()
                .call_local(true)
                .transfer_mode(TransferMode::UnreliableOrdered)
                .channel(3)
        );
        assert_eq!(got[2].1, RpcConfig::default().call_local(true));
    }

    #[test]
    fn other_annotations_inner_classes_and_runtime_configs() {
        let s = parse(
            "res://t.gd",
            "@tool\nclass_name Foo extends \"base.gd\"\n@export var x := 1\n@rpc(\"any_peer\")\n@warning_ignore(\"unused_parameter\")\nstatic func s(): pass\nclass Inner:\n\t@rpc\n\tfunc hidden(): pass\nfunc _ready():\n\trpc_config(&\"late\", {})\n",
            1,
        )
        .unwrap();
        assert_eq!(s.class_name.as_deref(), Some("Foo"));
        assert_eq!(s.extends, Some((Extends::Path("res://base.gd".into()), 2)));
        assert_eq!(s.rpcs.len(), 1);
        assert_eq!(s.rpcs[0].method, "s");
        assert_eq!(s.runtime_rpc_config, vec![11]);
    }

    #[test]
    fn var_defaults() {
        let s = parse(
            "res://t.gd",
            "extends Node\n@export var score := 0:\n\tset(v): score = v\nvar speed: float = 2 # px\nvar name_: String\nvar pos = Vector2(1, 2)\nvar later = compute()\nfunc f():\n\tvar local := 5\n",
            1,
        )
        .unwrap();
        assert_eq!(
            s.vars,
            vec![
                ("score".to_string(), Variant::Int(0)),
                ("speed".to_string(), Variant::Float(2.0)),
                ("name_".to_string(), Variant::String(String::new())),
                (
                    "pos".to_string(),
                    Variant::Vector2(netscene_variant::Vector2::new(1.0, 2.0))
                ),
            ]
        );
    }

    #[test]
    fn godot_refusals_are_errors_with_lines() {
        for (src, line) in [
            ("\n@rpc(\"any_peer\", \"authority\")\nfunc a(): pass\n", 2),
            ("@rpc(\"loud\")\nfunc a(): pass\n", 1),
            (
                "@rpc(\"any_peer\", \"call_local\", \"reliable\", \"x\")\nfunc a(): pass\n",
                1,
            ),
            ("@rpc\nvar x = 1\n", 1),
            ("@rpc(MODE)\nfunc a(): pass\n", 1),
            ("\n\n@rpc\n", 3),
        ] {
            let err = parse("res://t.gd", src, 1).unwrap_err();
            assert_eq!(err.line, Some(line), "{src}: {err}");
        }
    }
}
