//! Hostile input: random bytes and randomly damaged copies of the golden projects thrown at
//! every reader. Each must return a value or an error, never panic or hang.

use netscene_godot_project::{GodotProject, gdscript, replication, resource, text, value};
use proptest::prelude::*;

/// Text made mostly of the characters the grammars care about, so the parsers get deep.
fn grammar_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("[".to_string()),
            Just("]".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("\"".to_string()),
            Just("'''".to_string()),
            Just("\\".to_string()),
            Just("\n".to_string()),
            Just("\t".to_string()),
            Just("=".to_string()),
            Just(";".to_string()),
            Just("#".to_string()),
            Just("@rpc".to_string()),
            Just("func f".to_string()),
            Just("extends ".to_string()),
            Just("class_name C".to_string()),
            Just("[node name=\"N\" parent=\".\"".to_string()),
            Just("[gd_scene format=3]".to_string()),
            Just("ExtResource(\"1\")".to_string()),
            Just("SubResource(".to_string()),
            Just("properties/0/path = NodePath(\".:x\")".to_string()),
            Just("r\"".to_string()),
            Just("&\"".to_string()),
            "[a-z0-9_ ,.:/-]{0,8}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn text_and_resources_never_panic(src in grammar_soup()) {
        let _ = text::parse("res://x.tscn", &src);
        let _ = resource::parse("res://x.tscn", &src);
        if let Ok(file) = text::parse("res://x.tres", &src) {
            for section in &file.sections {
                let mut warnings = Vec::new();
                let _ = replication::read_config("res://x.tres", &section.body, &mut warnings);
                for (_, raw) in &section.fields {
                    let _ = value::read(raw);
                }
            }
        }
    }

    #[test]
    fn gdscript_never_panics(src in grammar_soup()) {
        let _ = gdscript::parse("res://x.gd", &src, 1);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = resource::parse("res://x.tscn", &src);
        let _ = gdscript::parse("res://x.gd", &src, 1);
    }
}

/// Copies a golden project, damages one of its files at a random place, and reads it.
fn damaged_project(name: &str, file_index: usize, at: usize, mode: u8, byte: u8) {
    let src = format!("{}/tests/projects/{name}", env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!(
        "netscene-godot-project-hostile-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = Vec::new();
    copy(std::path::Path::new(&src), &dir, &mut files);
    files.sort();
    let target = &files[file_index % files.len()];
    let mut bytes = std::fs::read(target).unwrap();
    let at = at % (bytes.len() + 1);
    match mode % 3 {
        0 => bytes.truncate(at),
        1 => bytes.insert(at, byte),
        _ => {
            if at < bytes.len() {
                bytes[at] = byte;
            }
        }
    }
    std::fs::write(target, bytes).unwrap();
    let _ = GodotProject::open(&dir).and_then(|mut p| p.wire_table());
    // Loading into a tree (and spawning each spawnable scene) must not panic either.
    let mut tree = netscene::SceneTree::new();
    if let Ok(loaded) = GodotProject::open(&dir).and_then(|mut p| p.load_into(&mut tree)) {
        let table = loaded.table().clone();
        for spawner in table
            .scenes
            .iter()
            .flat_map(|s| s.spawners.iter())
            .filter(|s| s.path.starts_with('/'))
        {
            for id in 0..spawner.scenes.len() {
                let _ = loaded.spawn(&mut tree, &spawner.path, id as u8, "Spawned", |_, _| {});
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn copy(from: &std::path::Path, to: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &dest, files);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            files.push(dest);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn damaged_projects_never_panic(
        project in prop_oneof![Just("autoloads"), Just("rpc_annotations"), Just("extends_chain"), Just("instancing"), Just("replication"), Just("godot46_format")],
        file_index in any::<usize>(),
        at in any::<usize>(),
        mode in any::<u8>(),
        byte in prop_oneof![Just(b'"'), Just(b'['), Just(b']'), Just(b'('), Just(b'\n'), Just(b'.'), Just(b'/'), any::<u8>()],
    ) {
        damaged_project(project, file_index, at, mode, byte);
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let dir = std::env::temp_dir().join(format!(
        "netscene-godot-project-deep-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("project.godot"),
        "config_version=5\n[application]\nrun/main_scene=\"res://main.tscn\"\n",
    )
    .unwrap();
    let mut scene = String::from("[gd_scene format=3]\n[node name=\"N\" type=\"Node\"]\n");
    let mut parent = String::from(".");
    for i in 0..300 {
        scene.push_str(&format!(
            "[node name=\"N\" type=\"Node\" parent=\"{parent}\"]\n"
        ));
        parent = if i == 0 {
            "N".into()
        } else {
            format!("{parent}/N")
        };
    }
    std::fs::write(dir.join("main.tscn"), scene).unwrap();
    let err = GodotProject::open(&dir)
        .and_then(|mut p| p.wire_table())
        .unwrap_err();
    assert!(err.message.contains("nested deeper than 256"), "{err}");
    assert_eq!(err.line, Some(259));
    let _ = std::fs::remove_dir_all(&dir);
}
