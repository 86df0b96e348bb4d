//! Where the official Godot 4.6 web export template lives, and the tools the suite needs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Size in bytes of the pinned `index.wasm` (Godot Engine v4.6.stable.official); the install
/// script checks its sha256, this cheap check catches a truncated or swapped file.
const WASM_LEN: u64 = 37_686_550;

/// The files a page needs from the template.
pub(crate) const TEMPLATE_FILES: [&str; 4] = [
    "index.wasm",
    "index.js",
    "index.audio.worklet.js",
    "index.audio.position.worklet.js",
];

/// The command that installs everything the suite needs.
pub const FIX_COMMAND: &str = "./test.sh (or: bash scripts/install-godot-suite.sh)";

/// The template directory: `$NETSCENE_GODOT_TEMPLATE`, else `target/godot-template` in the
/// workspace. Panics, naming the command that fixes it, when the template is missing.
pub fn template_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::var_os("NETSCENE_GODOT_TEMPLATE")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/godot-template"));
        for file in TEMPLATE_FILES {
            let path = dir.join(file);
            let len = std::fs::metadata(&path).map(|m| m.len()).ok();
            let ok = match file {
                "index.wasm" => len == Some(WASM_LEN),
                _ => len.is_some(),
            };
            assert!(
                ok,
                "the Godot 4.6 web template is missing or damaged ({} has {len:?} bytes); \
                 run {FIX_COMMAND}",
                path.display()
            );
        }
        dir
    })
}

/// The Chromium binary: `$NETSCENE_CHROMIUM`, else `chromium` on the PATH. Panics with the
/// install command when there is none.
pub fn chromium_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("NETSCENE_CHROMIUM") {
            return PathBuf::from(path);
        }
        let found = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|candidate| candidate.is_file())
        });
        found.unwrap_or_else(|| {
            panic!(
                "headless Chromium is needed for the real-Godot suite and `chromium` is not on \
                 the PATH; run {FIX_COMMAND} or: apt-get install chromium"
            )
        })
    })
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the crate lives in crates/ of the workspace")
        .to_path_buf()
}

/// A directory of this crate's GDScript projects: `godot/NAME`.
pub fn suite_project_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("godot")
        .join(name)
}
