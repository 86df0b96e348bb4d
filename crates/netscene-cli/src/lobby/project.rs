//! The lobby example's Godot project (`examples/godot-lobby-client`), embedded in the binary
//! so `serve` runs from any directory, and loaded into the server's tree with
//! `GodotProject::load_into`: the lobby node and its `@rpc` table come from the project's
//! own files, not from a hand-mirrored table. `crates/netscene-cli/godot/lobby` holds the
//! copies (a published crate cannot reach the workspace's `examples/`); a test keeps them
//! equal to the example.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use netscene::SceneTree;
use netscene_godot_project::{GodotProject, LoadedProject};

/// The lobby project's files, by name.
pub const LOBBY_FILES: [(&str, &str); 3] = [
    (
        "project.godot",
        include_str!("../../godot/lobby/project.godot"),
    ),
    ("lobby.tscn", include_str!("../../godot/lobby/lobby.tscn")),
    ("lobby.gd", include_str!("../../godot/lobby/lobby.gd")),
];

/// Loads `files` (a Godot project) into `tree`. The reader works on a directory, so the
/// files are written to a fresh temporary one, removed again once read.
pub fn load(files: &[(&str, &str)], tree: &mut SceneTree) -> Result<LoadedProject, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "netscene-project-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let mut project = GodotProject::open(&dir).map_err(|e| e.to_string())?;
        project.load_into(tree).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_are_the_examples() {
        let example = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/godot-lobby-client"
        );
        for (name, text) in LOBBY_FILES {
            let on_disk = std::fs::read_to_string(format!("{example}/{name}"))
                .unwrap_or_else(|e| panic!("{example}/{name}: {e}"));
            assert_eq!(
                text, on_disk,
                "crates/netscene-cli/godot/lobby/{name} differs from the example: copy it again"
            );
        }
    }

    #[test]
    fn the_lobby_loads_and_bad_projects_are_errors() {
        let mut tree = SceneTree::new();
        let loaded = load(&LOBBY_FILES, &mut tree).unwrap();
        assert!(tree.get_node("/root/Lobby").is_some());
        assert_eq!(loaded.missing_handlers().len(), 4, "nothing attached yet");
        let Err(err) = load(
            &[("project.godot", "config_version=4\n")],
            &mut SceneTree::new(),
        ) else {
            panic!("a Godot 3 project is refused");
        };
        assert!(err.contains("config_version"), "{err}");
    }
}
