//! Text resource files: scenes (`.tscn`, `[gd_scene]`) and resources (`.tres`,
//! `[gd_resource]`), formats 3 and 4 (Godot 4; format 4 only adds value forms such as base64
//! `PackedByteArray`). Godot 3's format 2 is refused with a clear error.

use std::collections::BTreeMap;

use crate::error::{ProjectError, Result};
use crate::text::{self, Assign, RawValue, Section};
use crate::value;

/// An `[ext_resource]`: a file this one uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtResource {
    /// `type` (`Script`, `PackedScene`, ...).
    pub ty: String,
    /// `path`, made absolute (`res://...`) when written relative to the file.
    pub path: String,
    /// `uid` (`uid://...`), when written.
    pub uid: Option<String>,
    /// Line of the header.
    pub line: usize,
}

/// A `[sub_resource]`: a resource stored inside this file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubResource {
    /// `type` (`SceneReplicationConfig`, `GDScript`, ...).
    pub ty: String,
    /// Its properties.
    pub body: Vec<Assign>,
    /// Line of the header.
    pub line: usize,
}

/// A `[node]` of a scene, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeDecl {
    /// `name`.
    pub name: String,
    /// `type`: absent for an instanced scene and for overrides of nodes an instanced (or
    /// inherited) scene already has.
    pub ty: Option<String>,
    /// `parent`: absent for the scene's root; `.` for the root's children.
    pub parent: Option<String>,
    /// `instance=ExtResource(id)`: the ext_resource id of the instanced scene.
    pub instance: Option<String>,
    /// `instance_placeholder`: a scene path loaded only on demand.
    pub placeholder: Option<String>,
    /// Line of the header.
    pub line: usize,
    /// Property assignments.
    pub props: Vec<Assign>,
}

/// What a resource file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A `[gd_scene]`.
    Scene,
    /// A `[gd_resource type=...]`.
    Resource(String),
}

/// A parsed `.tscn` or `.tres`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceFile {
    /// The file (`res://...`).
    pub file: String,
    /// Scene or resource.
    pub kind: ResourceKind,
    /// The header's `uid`, when written.
    pub uid: Option<String>,
    /// `[ext_resource]`s by id.
    pub ext: BTreeMap<String, ExtResource>,
    /// `[sub_resource]`s by id.
    pub sub: BTreeMap<String, SubResource>,
    /// `[node]`s in file order.
    pub nodes: Vec<NodeDecl>,
    /// `[editable path=...]`: instanced children the scene may override.
    pub editable: Vec<(String, usize)>,
    /// The `[resource]` body of a `.tres`.
    pub main: Vec<Assign>,
}

/// Resolves a path written in `file` to a `res://` path (relative paths are relative to the
/// file's directory, `..` and `.` segments are folded).
pub(crate) fn resolve_path(file: &str, path: &str) -> String {
    if path.contains("://") {
        return path.to_string();
    }
    let file_rest = file.strip_prefix("res://").unwrap_or(file);
    let dir = file_rest.rfind('/').map_or("", |i| &file_rest[..i]);
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("res://{}", parts.join("/"))
}

fn field_string(file: &str, section: &Section, name: &str) -> Result<Option<String>> {
    section
        .field(name)
        .map(|raw| value::string(file, &format!("the `{name}` of [{}]", section.tag), raw))
        .transpose()
}

fn required(file: &str, section: &Section, name: &str) -> Result<String> {
    field_string(file, section, name)?.ok_or_else(|| {
        ProjectError::at(
            file,
            section.line,
            format!("[{}] without `{name}`", section.tag),
        )
    })
}

fn ext_id(file: &str, section: &Section, raw: &RawValue) -> Result<String> {
    match value::read(raw) {
        value::Value::ExtResource(id) => Ok(id),
        _ => Err(ProjectError::at(
            file,
            raw.line,
            format!(
                "`instance` of [{}] must be ExtResource(\"id\"), not `{}`",
                section.tag, raw.text
            ),
        )),
    }
}

/// Parses a `.tscn` / `.tres` file's text; `file` is its `res://` path.
pub fn parse(file: &str, text: &str) -> Result<ResourceFile> {
    let parsed = text::parse(file, text)?;
    if let Some(first) = parsed.preamble.first() {
        return Err(ProjectError::at(
            file,
            first.line,
            "a value before the [gd_scene] or [gd_resource] header",
        ));
    }
    let mut sections = parsed.sections.into_iter();
    let Some(head) = sections.next() else {
        return Err(ProjectError::file(
            file,
            "an empty resource file (no [gd_scene] or [gd_resource] header)",
        ));
    };
    let kind = match head.tag.as_str() {
        "gd_scene" => ResourceKind::Scene,
        "gd_resource" => ResourceKind::Resource(required(file, &head, "type")?),
        other => {
            return Err(ProjectError::at(
                file,
                head.line,
                format!("expected [gd_scene] or [gd_resource], found [{other}]"),
            ));
        }
    };
    if let Some(raw) = head.field("format") {
        let format = value::variant(file, "format", raw)?;
        match format {
            netscene_variant::Variant::Int(3 | 4) => {}
            netscene_variant::Variant::Int(2) => {
                return Err(ProjectError::at(
                    file,
                    raw.line,
                    "a Godot 3 file (format=2): open and save the project in Godot 4 first",
                ));
            }
            other => {
                return Err(ProjectError::at(
                    file,
                    raw.line,
                    format!(
                        "unsupported format={}: netscene reads the Godot 4 formats 3 and 4",
                        netscene_variant::var_to_str_one_line(&other)
                    ),
                ));
            }
        }
    }
    let mut out = ResourceFile {
        file: file.to_string(),
        uid: field_string(file, &head, "uid")?,
        kind,
        ext: BTreeMap::new(),
        sub: BTreeMap::new(),
        nodes: Vec::new(),
        editable: Vec::new(),
        main: head.body,
    };
    if let Some(first) = out.main.first() {
        return Err(ProjectError::at(
            file,
            first.line,
            "a value directly under the file header",
        ));
    }
    for section in sections {
        match section.tag.as_str() {
            "ext_resource" => {
                let id = required(file, &section, "id")?;
                let path = resolve_path(file, &required(file, &section, "path")?);
                let entry = ExtResource {
                    ty: required(file, &section, "type")?,
                    uid: field_string(file, &section, "uid")?,
                    path,
                    line: section.line,
                };
                out.ext.insert(id, entry);
            }
            "sub_resource" => {
                let id = required(file, &section, "id")?;
                let entry = SubResource {
                    ty: required(file, &section, "type")?,
                    line: section.line,
                    body: section.body,
                };
                out.sub.insert(id, entry);
            }
            "node" if out.kind == ResourceKind::Scene => {
                let instance = section
                    .field("instance")
                    .map(|raw| ext_id(file, &section, raw))
                    .transpose()?;
                out.nodes.push(NodeDecl {
                    name: required(file, &section, "name")?,
                    ty: field_string(file, &section, "type")?,
                    parent: field_string(file, &section, "parent")?,
                    placeholder: field_string(file, &section, "instance_placeholder")?,
                    instance,
                    line: section.line,
                    props: section.body,
                });
            }
            "editable" if out.kind == ResourceKind::Scene => {
                out.editable
                    .push((required(file, &section, "path")?, section.line));
            }
            // Signal connections do not touch the wire.
            "connection" if out.kind == ResourceKind::Scene => {}
            "resource" if out.kind != ResourceKind::Scene => out.main = section.body,
            other => {
                return Err(ProjectError::at(
                    file,
                    section.line,
                    format!("a [{other}] section is not expected in this file"),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(resolve_path("res://a/b.tscn", "c.gd"), "res://a/c.gd");
        assert_eq!(resolve_path("res://a/b.tscn", "../c.gd"), "res://c.gd");
        assert_eq!(resolve_path("res://b.tscn", "res://x/y.gd"), "res://x/y.gd");
        assert_eq!(resolve_path("res://b.tscn", "./y.gd"), "res://y.gd");
    }

    #[test]
    fn refuses_godot_3_scenes() {
        let err = parse("res://old.tscn", "[gd_scene load_steps=1 format=2]\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("res://old.tscn:1: a Godot 3 file"),
            "{err}"
        );
    }
}
