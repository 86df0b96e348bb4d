//! `netscene inspect`, run as the built binary on the Godot examples and on damaged copies.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netscene"))
        .args(args)
        .output()
        .expect("run netscene");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// A copy of a directory under the temp dir, removed on drop.
struct Copy(PathBuf);

impl Copy {
    fn of(src: &str, tag: &str) -> Self {
        let dest =
            std::env::temp_dir().join(format!("netscene-inspect-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dest);
        copy_dir(Path::new(src), &dest);
        Self(dest)
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Copy {
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

#[test]
fn lobby_example_table() {
    let (code, out, err) = run(&["inspect", &repo("examples/godot-lobby-client")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "node /root/Lobby  script res://lobby.gd  checksum f60c9c7d4ca8e85156fffdbd81b835c1"
        ),
        "{out}"
    );
    for (id, name, mode) in [
        (0, "chat", "any_peer"),
        (1, "receive_chat", "authority"),
        (2, "register", "any_peer"),
        (3, "update_players", "authority"),
    ] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("{name}: {out}"));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cols[..6],
            [id.to_string().as_str(), name, mode, "no", "reliable", "0"],
            "{line}"
        );
    }
}

#[test]
fn arena_example_table_as_json() {
    let (code, out, err) = run(&["inspect", &repo("examples/godot-arena-client"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let live = &json["scenes"][0];
    assert_eq!(live["scene"], "live");
    let paths: Vec<&str> = live["rpc_nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/root/Lobby", "/root/Arena"]);
    assert_eq!(live["rpc_nodes"][1]["methods"][0]["name"], "move");
    let spawner = &live["spawners"][0];
    assert_eq!(spawner["path"], "/root/Arena/PlayerSpawner");
    assert_eq!(spawner["spawn_node"], "/root/Arena/Players");
    assert_eq!(spawner["scenes"], serde_json::json!(["res://player.tscn"]));
    let player = &json["scenes"][1];
    assert_eq!(player["scene"], "res://player.tscn");
    let sync = &player["synchronizers"][0];
    assert_eq!(sync["replication_interval"], 0.05);
    let props: Vec<(&str, &str)> = sync["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(
        props,
        [
            (".:position", "always"),
            (".:score", "on_change"),
            (".:player_name", "on_change")
        ]
    );
}

#[test]
fn against_itself_and_its_saved_table_agree() {
    let dir = repo("examples/godot-arena-client");
    let (code, out, err) = run(&["inspect", &dir, "--against", &dir]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("no differences"), "{out}");
    let (_, json, _) = run(&["inspect", &dir, "--json"]);
    let saved = std::env::temp_dir().join(format!(
        "netscene-inspect-{}-table.json",
        std::process::id()
    ));
    std::fs::write(&saved, json).unwrap();
    let (code, out, err) = run(&["inspect", &dir, "--against", saved.to_str().unwrap()]);
    let _ = std::fs::remove_file(&saved);
    assert_eq!(code, 0, "{err}{out}");
}

#[test]
fn renamed_method_and_changed_mode_break_the_wire() {
    let copy = Copy::of(&repo("examples/godot-lobby-client"), "renamed");
    copy.edit("lobby.gd", "func chat(", "func say(");
    copy.edit(
        "lobby.gd",
        "@rpc(\"authority\", \"call_remote\", \"reliable\", 0)\nfunc receive_chat",
        "@rpc(\"any_peer\", \"call_local\", \"reliable\", 0)\nfunc receive_chat",
    );
    let (code, out, err) = run(&[
        "inspect",
        &repo("examples/godot-lobby-client"),
        "--against",
        copy.path(),
    ]);
    assert_eq!(code, 1, "{err}{out}");
    for expected in [
        "BREAKING /root/Lobby: method `chat` exists only in ours",
        "BREAKING /root/Lobby: method `receive_chat` has id 1 in ours, 0 in theirs",
        "BREAKING /root/Lobby: method `receive_chat` is authority in ours, any_peer in theirs",
        "BREAKING /root/Lobby: method `say` exists only in theirs",
        "BREAKING /root/Lobby: RPC checksum f60c9c7d4ca8e85156fffdbd81b835c1 in ours",
        "note     /root/Lobby: method `receive_chat` call_local is false in ours, true in theirs",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn spawnable_order_and_synchronizer_order_break_the_wire() {
    let copy = Copy::of(&repo("examples/godot-arena-client"), "order");
    copy.edit(
        "arena.tscn",
        "PackedStringArray(\"res://player.tscn\")",
        "PackedStringArray(\"res://arena.tscn\", \"res://player.tscn\")",
    );
    copy.edit(
        "player.tscn",
        "properties/1/path = NodePath(\".:score\")",
        "properties/1/path = NodePath(\".:player_name\")",
    );
    copy.edit(
        "player.tscn",
        "properties/2/path = NodePath(\".:player_name\")",
        "properties/2/path = NodePath(\".:score\")",
    );
    copy.edit(
        "player.tscn",
        "replication_interval = 0.05",
        "replication_interval = 0.1",
    );
    let (code, out, err) = run(&[
        "inspect",
        &repo("examples/godot-arena-client"),
        "--against",
        copy.path(),
        "--json",
    ]);
    assert_eq!(code, 1, "{err}{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let whats: Vec<(bool, String)> = json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["breaking"].as_bool().unwrap(),
                d["what"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(whats.contains(&(true, "spawnable scenes (ids in order) are [res://player.tscn] in ours, [res://arena.tscn, res://player.tscn] in theirs".into())), "{whats:?}");
    assert!(whats.contains(&(true, "delta SYNC (on_change) properties are [.:score, .:player_name] in ours, [.:player_name, .:score] in theirs".into())), "{whats:?}");
    assert!(
        whats.iter().any(|(b, w)| !b
            && w.starts_with("intervals (replication, delta) are (0.05, 0) s in ours, (0.1, 0) s")),
        "{whats:?}"
    );
    assert_eq!(json["breaking"], whats.iter().filter(|(b, _)| *b).count());
}

#[test]
fn unreadable_projects_exit_2_naming_file_and_line() {
    let copy = Copy::of(&repo("examples/godot-lobby-client"), "broken");
    copy.edit(
        "lobby.gd",
        "@rpc(\"any_peer\", \"call_remote\", \"reliable\", 0)\nfunc chat",
        "@rpc(\"any_peer\", \"call_remote\", \"reliable\", \"0\")\nfunc chat",
    );
    let (code, out, err) = run(&["inspect", copy.path()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty());
    assert!(err.starts_with("error: res://lobby.gd:"), "{err}");
    assert!(
        err.contains("the fourth @rpc argument is the channel"),
        "{err}"
    );
    let (code, _, err) = run(&["inspect", "/nonexistent/project"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the project"), "{err}");
}
