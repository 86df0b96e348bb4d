//! A temporary copy of one of netscene-godot-project's golden sample projects, edited for a
//! real-Godot test (print statements as method bodies, a client autoload); removed on drop.

use std::path::{Path, PathBuf};

use netscene_godot_suite::workspace_root;

/// The copy; `.0` is its directory.
pub struct GoldenCopy(pub PathBuf);

impl Drop for GoldenCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

impl GoldenCopy {
    /// Copies `crates/netscene-godot-project/tests/projects/{name}` to a fresh temp dir.
    pub fn new(name: &str) -> Self {
        let src = workspace_root()
            .join("crates/netscene-godot-project/tests/projects")
            .join(name);
        let dir =
            std::env::temp_dir().join(format!("netscene-inspect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&src, &dir);
        GoldenCopy(dir)
    }

    /// Replaces the first `from` in `file` (which must contain it) with `to`.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    /// Appends `more` to `file`.
    pub fn append(&self, file: &str, more: &str) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{text}{more}")).unwrap();
    }

    /// Adds `script` as `res://client.gd`, autoloaded as `Client`.
    pub fn add_client_autoload(&self, script: &str) {
        std::fs::write(self.0.join("client.gd"), script).unwrap();
        self.append(
            "project.godot",
            "\n[autoload]\n\nClient=\"*res://client.gd\"\n",
        );
    }
}
