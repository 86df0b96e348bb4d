//! The harness itself: a real Godot 4.6 client joins a netscene server, sends an RPC with
//! non-ASCII text, gets the answer, and quits cleanly.

use std::time::Duration;

use netscene::{RpcConfig, args};
use netscene_godot_suite::{GodotClient, GodotProject, WsServer, suite_project_dir};

const STEP: Duration = Duration::from_secs(60);

#[test]
fn a_godot_client_trades_rpcs_with_a_netscene_server() {
    let mut server = WsServer::start(|_| {});
    let echo = server.tree.add_path("/root/Echo").unwrap();
    server
        .tree
        .on_rpc(
            echo,
            "ping",
            RpcConfig::any_peer(),
            |ctx, (text,): (String,)| {
                let from = ctx.remote_sender_id();
                ctx.rpc_id(from, "pong", &args![format!("{text} from {from}")])
                    .expect("pong sent");
            },
        )
        .unwrap();
    server
        .tree
        .on_rpc(
            echo,
            "pong",
            RpcConfig::authority(),
            |_, (_,): (String,)| {},
        )
        .unwrap();

    let project = GodotProject::from_dir(suite_project_dir("smoke"));
    let mut godot = GodotClient::launch("smoke", &project, &[server.port_arg()]);
    let connected = godot.wait_for("connected as", STEP, || server.poll());
    let id: i64 = connected["connected as ".len()..].parse().unwrap();
    assert!(id > 1, "a client id: {connected}");
    let pong = godot.wait_for("pong", STEP, || server.poll());
    assert_eq!(pong, format!("pong héllo ✓ from {id}"));
    assert_eq!(godot.wait_exit(STEP, || server.poll()), 0);
    godot.assert_clean();
}
