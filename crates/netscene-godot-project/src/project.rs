//! A Godot project directory: `project.godot` (main scene, autoloads), the `uid://` and
//! `class_name` indexes Godot keeps, and cached parses of the files scenes refer to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{ProjectError, Result};
use crate::gdscript::{self, Script};
use crate::resource::{self, ResourceFile};
use crate::text;
use crate::value;

/// An `[autoload]` entry: a script or scene Godot adds as `/root/<name>` before the main scene.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Autoload {
    /// The node name (the key in `project.godot`).
    pub name: String,
    /// The script or scene (`res://...`).
    pub path: String,
    /// Line in `project.godot`.
    pub line: usize,
}

/// A Godot 4 project on disk.
#[derive(Debug)]
pub struct GodotProject {
    dir: PathBuf,
    /// `application/config/name`.
    pub name: Option<String>,
    /// `application/run/main_scene`, as a `res://` path.
    pub main_scene: Option<String>,
    /// The autoloads, in `project.godot` order (the order Godot adds them).
    pub autoloads: Vec<Autoload>,
    uids: HashMap<String, String>,
    class_names: HashMap<String, String>,
    resources: HashMap<String, Arc<ResourceFile>>,
    scripts: HashMap<String, Arc<Script>>,
    /// What reading found but could go on with (file:line: message), drained by the table.
    pub(crate) warnings: Vec<String>,
}

/// Directories Godot itself skips (its cache, VCS data) are skipped; so are symlinks, so a
/// link cycle cannot loop the scan.
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 32 || dir.join(".gdignore").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            walk(&entry.path(), depth + 1, out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

impl GodotProject {
    /// Opens the project in `dir` (the directory holding `project.godot`).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let settings_file = "res://project.godot";
        let settings = std::fs::read(dir.join("project.godot")).map_err(|e| {
            ProjectError::file(
                dir.join("project.godot").display().to_string(),
                format!("cannot read the project: {e}"),
            )
        })?;
        let settings = utf8(settings_file, settings)?;
        let settings = text::parse(settings_file, &settings)?;
        let mut project = Self {
            dir,
            name: None,
            main_scene: None,
            autoloads: Vec::new(),
            uids: HashMap::new(),
            class_names: HashMap::new(),
            resources: HashMap::new(),
            scripts: HashMap::new(),
            warnings: Vec::new(),
        };
        for assign in &settings.preamble {
            if assign.key == "config_version" {
                let version = value::variant(settings_file, "config_version", &assign.value)?;
                if version != netscene_variant::Variant::Int(5) {
                    return Err(ProjectError::at(
                        settings_file,
                        assign.line,
                        "config_version is not 5: not a Godot 4 project (open and save it in Godot 4 first)",
                    ));
                }
            }
        }
        project.index_files();
        for section in &settings.sections {
            match section.tag.as_str() {
                "application" => {
                    for assign in &section.body {
                        match assign.key.as_str() {
                            "config/name" => {
                                project.name = Some(value::string(
                                    settings_file,
                                    "config/name",
                                    &assign.value,
                                )?)
                            }
                            "run/main_scene" => {
                                let path =
                                    value::string(settings_file, "run/main_scene", &assign.value)?;
                                project.main_scene = Some(project.resolve_uid(&path));
                            }
                            _ => {}
                        }
                    }
                }
                "autoload" => {
                    for assign in &section.body {
                        let path = value::string(
                            settings_file,
                            &format!("autoload {}", assign.key),
                            &assign.value,
                        )?;
                        // A leading '*' makes it a global name too; the node exists either way.
                        let path = path.strip_prefix('*').unwrap_or(&path);
                        project.autoloads.push(Autoload {
                            name: assign.key.clone(),
                            path: project.resolve_uid(path),
                            line: assign.line,
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(project)
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Builds the `uid://` index (`*.uid` files next to scripts, the `uid` of scene and
    /// resource headers) and the `class_name` index of the project's scripts.
    fn index_files(&mut self) {
        let mut files = Vec::new();
        walk(&self.dir, 0, &mut files);
        for path in files {
            let Some(res) = self.res_path(&path) else {
                continue;
            };
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            match ext {
                "uid" => {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        let target = res.trim_end_matches(".uid").to_string();
                        self.uids.insert(text.trim().to_string(), target);
                    }
                }
                "tscn" | "tres" => {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    let header = text.lines().next().unwrap_or("");
                    if let Ok(parsed) = text::parse(&res, header)
                        && let Some(section) = parsed.sections.first()
                        && let Some(raw) = section.field("uid")
                        && let Ok(uid) = value::string(&res, "uid", raw)
                    {
                        self.uids.insert(uid, res.clone());
                    }
                }
                "gd" => {
                    // Scripts that fail to parse are reported when a scene uses them.
                    if let Ok(script) = self.script(&res)
                        && let Some(class) = &script.class_name
                    {
                        self.class_names.insert(class.clone(), res.clone());
                    }
                }
                _ => {}
            }
        }
    }

    fn res_path(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.dir).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(format!("res://{}", parts.join("/")))
    }

    /// Maps a `uid://` reference to its `res://` path (other paths are returned as they are).
    pub fn resolve_uid(&self, path: &str) -> String {
        if path.starts_with("uid://")
            && let Some(res) = self.uids.get(path)
        {
            return res.clone();
        }
        path.to_string()
    }

    /// The script declaring `class_name name`, if any.
    pub fn class_script(&self, name: &str) -> Option<&str> {
        self.class_names.get(name).map(String::as_str)
    }

    /// Reads a project file as text.
    pub fn read(&self, res: &str) -> Result<String> {
        let Some(rel) = res.strip_prefix("res://") else {
            return Err(ProjectError::file(
                res,
                "not a res:// path (an unknown uid:// or a path outside the project)",
            ));
        };
        if rel.split('/').any(|p| p == "..") {
            return Err(ProjectError::file(
                res,
                "a path leaving the project directory",
            ));
        }
        let bytes = std::fs::read(self.dir.join(rel))
            .map_err(|e| ProjectError::file(res, format!("cannot read: {e}")))?;
        utf8(res, bytes)
    }

    /// The parsed `.tscn` / `.tres` at `res` (cached).
    pub fn resource(&mut self, res: &str) -> Result<Arc<ResourceFile>> {
        if let Some(file) = self.resources.get(res) {
            return Ok(file.clone());
        }
        if res.ends_with(".scn") || res.ends_with(".res") {
            return Err(ProjectError::file(
                res,
                "a binary scene or resource: netscene reads text files (save it as .tscn / .tres)",
            ));
        }
        let text = self.read(res)?;
        let file = Arc::new(resource::parse(res, &text)?);
        self.resources.insert(res.to_string(), file.clone());
        Ok(file)
    }

    /// The parsed GDScript at `res` (cached).
    pub fn script(&mut self, res: &str) -> Result<Arc<Script>> {
        if let Some(script) = self.scripts.get(res) {
            return Ok(script.clone());
        }
        if !res.ends_with(".gd") {
            return Err(ProjectError::file(
                res,
                "not a GDScript file: netscene reads the @rpc annotations of .gd scripts only (C# [Rpc] attributes are not read)",
            ));
        }
        let text = self.read(res)?;
        let script = Arc::new(gdscript::parse(res, &text, 1)?);
        self.scripts.insert(res.to_string(), script.clone());
        Ok(script)
    }

    /// A script stored inside a scene (`[sub_resource type="GDScript"]` with `script/source`),
    /// cached under `file::id`.
    pub fn builtin_script(&mut self, file: &str, id: &str) -> Result<Arc<Script>> {
        let key = format!("{file}::{id}");
        if let Some(script) = self.scripts.get(&key) {
            return Ok(script.clone());
        }
        let res = self.resource(file)?;
        let sub = res.sub.get(id).ok_or_else(|| {
            ProjectError::file(file, format!("no [sub_resource] with id \"{id}\""))
        })?;
        let source = sub
            .body
            .iter()
            .find(|a| a.key == "script/source")
            .ok_or_else(|| {
                ProjectError::at(file, sub.line, "a built-in GDScript without script/source")
            })?;
        let text = value::string(file, "script/source", &source.value)?;
        let script = Arc::new(gdscript::parse(&key, &text, source.value.line)?);
        self.scripts.insert(key, script.clone());
        Ok(script)
    }
}

fn utf8(file: &str, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        ProjectError::at(file, line, "not UTF-8 text")
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::utf8;

    #[test]
    fn invalid_utf8_names_the_line_of_the_first_bad_byte() {
        let err = utf8("res://x.gd", b"a\nb\n\xffc".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "res://x.gd:3: not UTF-8 text");
        assert_eq!(utf8("res://x.gd", b"ok\n".to_vec()).unwrap(), "ok\n");
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = utf8("res://x", bytes);
        }
    }
}
