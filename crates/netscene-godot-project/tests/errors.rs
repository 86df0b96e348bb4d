//! Malformed or unsupported projects: each is a clear error naming the file and the line.

use std::path::PathBuf;

use netscene_godot_project::GodotProject;

/// A throwaway project directory with the given files.
struct TempProject(PathBuf);

impl TempProject {
    fn new(tag: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "netscene-godot-project-{}-{tag}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Self(dir)
    }
}

impl Drop for TempProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PROJECT: &str = "config_version=5\n[application]\nrun/main_scene=\"res://main.tscn\"\n";

fn error(tag: &str, files: &[(&str, &str)]) -> String {
    let project = TempProject::new(tag, files);
    match GodotProject::open(&project.0).and_then(|mut p| p.wire_table()) {
        Ok(table) => panic!("{tag}: expected an error, got {table}"),
        Err(e) => e.to_string(),
    }
}

fn scene_with_script(script: &str) -> Vec<(&'static str, String)> {
    vec![
        ("project.godot", PROJECT.to_string()),
        (
            "main.tscn",
            "[gd_scene format=3]\n[ext_resource type=\"Script\" path=\"res://main.gd\" id=\"1\"]\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource(\"1\")\n".to_string(),
        ),
        ("main.gd", script.to_string()),
    ]
}

fn script_error(tag: &str, script: &str) -> String {
    let files = scene_with_script(script);
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    error(tag, &files)
}

#[test]
fn scene_errors_name_file_and_line() {
    for (tag, scene, expected) in [
        (
            "unclosed",
            "[gd_scene format=3]\n\n[node name=\"Main\" type=\"Node\"]\nvalue = [1, 2\n",
            "res://main.tscn:4: a bracket opened here is never closed with ']'",
        ),
        (
            "godot3",
            "[gd_scene load_steps=2 format=2]\n",
            "res://main.tscn:1: a Godot 3 file (format=2)",
        ),
        (
            "parent",
            "[gd_scene format=3]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"A\" type=\"Node\" parent=\"Nope\"]\n",
            "res://main.tscn:3: the parent `Nope` of node `A` does not exist",
        ),
        (
            "two-roots",
            "[gd_scene format=3]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"B\" type=\"Node\"]\n",
            "res://main.tscn:3: a second root node `B`",
        ),
        (
            "ext",
            "[gd_scene format=3]\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource(\"9\")\n",
            "res://main.tscn:3: ExtResource(\"9\") names no [ext_resource]",
        ),
        (
            "missing-instance",
            "[gd_scene format=3]\n[ext_resource type=\"PackedScene\" path=\"res://gone.tscn\" id=\"1\"]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"X\" parent=\".\" instance=ExtResource(\"1\")]\n",
            "res://main.tscn:4: res://gone.tscn: cannot read",
        ),
        (
            "self",
            "[gd_scene format=3]\n[ext_resource type=\"PackedScene\" path=\"main.tscn\" id=\"1\"]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"X\" parent=\".\" instance=ExtResource(\"1\")]\n",
            "res://main.tscn:4: scene res://main.tscn instances itself",
        ),
        (
            "spawn-type",
            "[gd_scene format=3]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"S\" type=\"MultiplayerSpawner\" parent=\".\"]\n\nspawn_limit = \"many\"\n",
            "res://main.tscn:5: spawn_limit of /root/Main/S must be an integer",
        ),
        (
            "bad-value",
            "[gd_scene format=3]\n[node name=\"Main\" type=\"Node\"]\n[node name=\"S\" type=\"MultiplayerSynchronizer\" parent=\".\"]\nreplication_interval = Vector2(1, \n",
            "res://main.tscn:4: a bracket opened here is never closed",
        ),
    ] {
        let err = error(tag, &[("project.godot", PROJECT), ("main.tscn", scene)]);
        assert!(err.starts_with(expected), "{tag}: {err}");
    }
}

#[test]
fn script_errors_name_file_and_line() {
    for (tag, script, expected) in [
        (
            "twice",
            "extends Node\n\n@rpc(\"any_peer\", \"authority\")\nfunc a(): pass\n",
            "res://main.gd:3: @rpc gives the mode (any_peer/authority) more than once",
        ),
        (
            "unknown",
            "extends Node\n@rpc(\"call_local\", \"sometimes\")\nfunc a(): pass\n",
            "res://main.gd:2: invalid @rpc argument \"sometimes\"",
        ),
        (
            "constant",
            "extends Node\nconst M = \"any_peer\"\n@rpc(M)\nfunc a(): pass\n",
            "res://main.gd:3: an annotation argument that is not a literal",
        ),
        (
            "string",
            "extends Node\nvar s = \"abc\n",
            "res://main.gd:2: a string that is not closed on its line",
        ),
        (
            "cycle",
            "extends \"main.gd\"\n",
            "res://main.gd:1: `extends` cycle",
        ),
        (
            "missing-base",
            "extends \"res://nowhere.gd\"\n",
            "res://main.gd:1: extends res://nowhere.gd: cannot read",
        ),
        (
            "not-a-function",
            "extends Node\n@rpc\nvar x := 1\n",
            "res://main.gd:2: @rpc can only be applied to functions",
        ),
    ] {
        let err = script_error(tag, script);
        assert!(err.starts_with(expected), "{tag}: {err}");
    }
}

#[test]
fn unsupported_files_say_so() {
    let scene = "[gd_scene format=3]\n[ext_resource type=\"Script\" path=\"res://Main.cs\" id=\"1\"]\n[node name=\"Main\" type=\"Node\"]\nscript = ExtResource(\"1\")\n";
    let err = error(
        "csharp",
        &[
            ("project.godot", PROJECT),
            ("main.tscn", scene),
            ("Main.cs", "class Main {}"),
        ],
    );
    assert!(
        err.starts_with("res://Main.cs: not a GDScript file"),
        "{err}"
    );
    let project = "config_version=5\n[application]\nrun/main_scene=\"res://main.scn\"\n";
    let err = error(
        "binary-scene",
        &[("project.godot", project), ("main.scn", "RSRC")],
    );
    assert!(
        err.starts_with("res://main.scn: a binary scene or resource"),
        "{err}"
    );
}

#[test]
fn project_errors_name_file_and_line() {
    let err = error("config3", &[("project.godot", "config_version=4\n")]);
    assert!(
        err.starts_with("res://project.godot:1: config_version is not 5"),
        "{err}"
    );
    let err = error("no-project", &[("main.tscn", "")]);
    assert!(
        err.contains("project.godot: cannot read the project"),
        "{err}"
    );
    let err = error(
        "binary",
        &[
            ("project.godot", PROJECT),
            ("main.tscn", "[gd_scene format=3]\n\n\u{0}\u{0}"),
            ("x", ""),
        ],
    );
    assert!(err.starts_with("res://main.tscn:3:"), "{err}");
    let project = TempProject::new("latin1", &[("project.godot", PROJECT)]);
    std::fs::write(project.0.join("main.tscn"), b"[gd_scene format=3]\n\xff\n").unwrap();
    let err = GodotProject::open(&project.0)
        .and_then(|mut p| p.wire_table())
        .unwrap_err()
        .to_string();
    assert_eq!(err, "res://main.tscn:2: not UTF-8 text");
}
