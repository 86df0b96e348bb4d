//! Deliberately wrong replication configs against real Godot 4.6 clients: each mismatch
//! must be detected, by Godot (its error line) or by netscene (a `ReplicationRejected`).

mod replication_common;

use std::time::{Duration, Instant};

use netscene::{MultiplayerEvent, ReplicationError, Variant};
use replication_common::{Game, STEP, project, project_dir};

/// Pumps until `client` printed an error line containing `needle` (declared expected).
fn wait_for_error(
    game: &mut Game,
    client: &mut netscene_godot_suite::GodotClient,
    needle: &str,
) -> String {
    let start = Instant::now();
    loop {
        game.pump();
        client.update();
        if let Some(line) = client
            .transcript()
            .iter()
            .find(|l| l.stderr && l.text.contains(needle))
        {
            return line.text.clone();
        }
        assert!(
            start.elapsed() < STEP,
            "no Godot error {needle:?}\n{}",
            client.transcript_text()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The server lists a spawnable scene the Godot client's spawner does not have: Godot
/// refuses that SPAWN (and only that one).
#[test]
fn a_spawnable_scene_missing_from_godots_list_is_refused_by_godot() {
    let mut game = Game::start();
    let (mut alice, _) = game.join("alice", &project());
    game.server
        .tree
        .spawner_mut(game.nodes.player_spawner)
        .unwrap()
        .add_spawnable_scene("res://coin.tscn", |tree, request| {
            tree.add_child(request.parent, request.name.clone())
        });
    alice.expect_error("out of bounds");
    alice.expect_error("\"node\" is null");
    game.server
        .tree
        .spawn_scene(game.nodes.player_spawner, 2, "C1")
        .unwrap();
    let error = wait_for_error(&mut game, &mut alice, "out of bounds");
    assert!(error.contains("ERROR:"), "{error}");
    println!("Godot refused the SPAWN: {error}");
    // The session goes on: a spawn Godot knows arrives.
    game.spawn_player("P1", 1.0, 2.0, 3, "red");
    alice.wait_for(
        "spawned PlayerSpawner P1 pos=1,2 hp=3 team=red",
        STEP,
        || game.pump(),
    );
    assert!(
        !alice.stdout_lines().any(|l| l.contains("C1")),
        "Godot built nothing for the unknown scene"
    );
    game.assert_clean();
    alice.assert_clean();
}

/// Godot's avatar watches one more property (`.:rank`) than the server's: the delta that
/// selects it is refused by netscene (its size does not match the server's config), the
/// ones that do not are applied.
#[test]
fn a_watched_property_only_godot_has_is_detected_by_the_server() {
    let original = std::fs::read_to_string(project_dir().join("avatar.tscn")).unwrap();
    let extra = "properties/2/path = NodePath(\".:rank\")\nproperties/2/spawn = false\n\
                 properties/2/replication_mode = 2\n\n[node name=\"Avatar\"";
    let widened = original.replacen("\n[node name=\"Avatar\"", &format!("\n{extra}"), 1);
    assert_ne!(widened, original);
    let godot_project = project().with_file("avatar.tscn", widened);

    let mut game = Game::start();
    let (mut alice, alice_id) = game.join("alice", &godot_project);
    let avatar = game.spawn_avatar("Alice", alice_id);
    alice.wait_for("mine true", STEP, || game.pump());
    let start = Instant::now();
    let rejected = loop {
        game.pump();
        let rejection = game.events.iter().find_map(|e| match e {
            MultiplayerEvent::ReplicationRejected { from, error } if *from == alice_id => {
                Some(error.clone())
            }
            _ => None,
        });
        let mood = game.property(avatar, "mood");
        if let Some(error) = rejection
            && mood == Some(Variant::String("happy".into()))
        {
            break error;
        }
        assert!(
            start.elapsed() < STEP,
            "events {:?}, mood {mood:?}",
            game.events
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    // Godot's first delta carries mood and rank (bits 0 and 1); the server's config has
    // one watched property, so one value is read and the rest does not fit.
    assert!(
        matches!(rejected, ReplicationError::StateSize { .. }),
        "{rejected:?}"
    );
    alice.assert_clean();
}
