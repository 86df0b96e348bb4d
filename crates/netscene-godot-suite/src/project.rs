//! A Godot project as a zip main pack: the text files of a project directory, plus overrides.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The files of a Godot project, by their `res://` path (without the prefix), ready to be
/// zipped into a main pack the web template loads.
///
/// ```
/// use netscene_godot_suite::GodotProject;
/// let project = GodotProject::new()
///     .with_file("project.godot", "config_version=5\n")
///     .with_file("main.gd", "extends Node\n");
/// assert_eq!(project.file_names(), ["main.gd", "project.godot"]);
/// assert!(project.to_zip().starts_with(b"PK"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct GodotProject {
    files: BTreeMap<String, Vec<u8>>,
}

impl GodotProject {
    /// An empty project.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every file under `dir` (recursively, `.godot/` and hidden files skipped).
    pub fn from_dir(dir: impl AsRef<Path>) -> Self {
        Self::new().with_dir(dir)
    }

    /// Adds every file under `dir`, keeping paths relative to `dir`; later files replace
    /// earlier ones with the same path.
    pub fn with_dir(mut self, dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(at) = pending.pop() {
            let entries = std::fs::read_dir(&at)
                .unwrap_or_else(|e| panic!("cannot read the project dir {}: {e}", at.display()));
            for entry in entries {
                let path = entry.expect("directory entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(dir)
                    .expect("under the project dir")
                    .to_str()
                    .expect("UTF-8 project paths")
                    .replace('\\', "/");
                let contents = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                self.files.insert(relative, contents);
            }
        }
        self
    }

    /// Adds or replaces one file (`name` relative to `res://`).
    pub fn with_file(mut self, name: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(name.to_owned(), contents.into());
        self
    }

    /// The contents of a file, if the project has it.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// The project's file names, sorted.
    pub fn file_names(&self) -> Vec<&str> {
        self.files.keys().map(String::as_str).collect()
    }

    /// The project as a zip main pack (stored entries).
    pub fn to_zip(&self) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, contents) in &self.files {
            zip.start_file(name.as_str(), options)
                .expect("zip entry in memory");
            zip.write_all(contents).expect("zip entry in memory");
        }
        zip.finish().expect("zip in memory").into_inner()
    }
}
