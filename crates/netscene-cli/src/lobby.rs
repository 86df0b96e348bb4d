//! The classic Godot lobby at `/root/Lobby` (wire path `Lobby`): the contract between
//! `netscene serve`, `netscene connect` and `examples/godot-lobby-client/lobby.gd`. The
//! server's side is loaded from that Godot project ([`project`]); the client's side
//! ([`install_client`]) declares the same table by hand.
//!
//! Both sides declare the same four script-level RPC methods; their sorted names give the ids
//! (`chat` 0, `receive_chat` 1, `register` 2, `update_players` 3) and the path checksum:
//! * `chat(text: String)`: any_peer, reliable, channel 0. The server calls
//!   `receive_chat(sender, text)` on every peer, the sender included.
//! * `receive_chat(from: int, text: String)`: authority (server → clients), reliable.
//! * `register(name: String)`: any_peer, reliable. The server records the name and calls
//!   `update_players(players)` on every peer.
//! * `update_players(players: Dictionary)`: authority, reliable; `{peer_id: name}` of every
//!   registered peer, sent again when a registered peer leaves.

use std::collections::BTreeMap;

use netscene::variant::Dictionary;
use netscene::{NodeId, PeerId, RpcConfig, RpcContext, SceneTree, Variant, args};

pub mod project;

/// Absolute path of the lobby node.
pub const LOBBY_PATH: &str = "/root/Lobby";

/// Longest player name kept (longer ones are cut): names come from the network.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest chat line forwarded (longer ones are cut).
pub const MAX_CHAT_CHARS: usize = 1000;

/// Cuts `text` to at most `max` characters.
fn bounded(mut text: String, max: usize) -> String {
    if let Some((index, _)) = text.char_indices().nth(max) {
        text.truncate(index);
    }
    text
}

/// The server's lobby state, kept on the node.
#[derive(Debug, Default)]
pub struct ServerLobby {
    /// Registered players: peer id → name.
    pub players: BTreeMap<PeerId, String>,
    /// Calls handled and deliveries sent, for the demo's accounting.
    pub counters: LobbyCounters,
}

/// What the server lobby handled and sent: `chat`/`register` calls received, and one
/// `receive_chat`/`update_players` delivery per peer a broadcast went to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LobbyCounters {
    /// `chat` calls handled.
    pub chat_received: u64,
    /// `register` calls handled.
    pub register_received: u64,
    /// `receive_chat` deliveries sent (peers per broadcast).
    pub receive_chat_sent: u64,
    /// `update_players` deliveries sent (peers per broadcast).
    pub update_players_sent: u64,
}

/// The server lobby's counters.
pub fn server_counters(tree: &SceneTree, lobby: NodeId) -> LobbyCounters {
    tree.node(lobby)
        .and_then(|node| node.state::<ServerLobby>())
        .map(|state| state.counters)
        .unwrap_or_default()
}

/// `update_players`' argument: `{peer_id (int): name (String)}`.
pub fn players_dictionary(players: &BTreeMap<PeerId, String>) -> Variant {
    let mut dict = Dictionary::new();
    for (&id, name) in players {
        dict.insert(id as i64, name.as_str());
    }
    Variant::Dictionary(dict)
}

/// Calls `method` on every peer; returns how many peers it went to.
fn broadcast(ctx: &mut RpcContext<'_>, method: &str, args: &[Variant]) -> u64 {
    let peers = ctx.multiplayer().get_peers().len() as u64;
    match ctx.rpc(method, args) {
        Ok(()) => peers,
        Err(error) => {
            tracing::warn!(%error, method, "lobby broadcast failed");
            0
        }
    }
}

/// Loads `/root/Lobby` from the lobby example's Godot project (embedded, see [`project`])
/// and attaches the server's handlers by path and method name. Panics when the embedded
/// project does not load or declares a method without a handler here: a build defect,
/// caught by the tests, reported when the server starts rather than as wrong ids later.
pub fn install_server(tree: &mut SceneTree) -> NodeId {
    let mut loaded = project::load(&project::LOBBY_FILES, tree)
        .unwrap_or_else(|e| panic!("the embedded lobby project does not load: {e}"));
    let lobby = tree
        .get_node(LOBBY_PATH)
        .expect("the lobby project's main scene is /root/Lobby");
    tree.node_mut(lobby)
        .expect("just added")
        .set_state(ServerLobby::default());
    let attached = [
        loaded.on_rpc(tree, LOBBY_PATH, "chat", |ctx, (text,): (String,)| {
            let from = ctx.remote_sender_id();
            let text = bounded(text, MAX_CHAT_CHARS);
            tracing::debug!(from, %text, "chat");
            let sent = broadcast(ctx, "receive_chat", &args![from, text]);
            if let Some(state) = ctx.state_mut::<ServerLobby>() {
                state.counters.chat_received += 1;
                state.counters.receive_chat_sent += sent;
            }
        }),
        loaded.on_rpc(tree, LOBBY_PATH, "register", |ctx, (name,): (String,)| {
            let from = ctx.remote_sender_id();
            let name = bounded(name, MAX_NAME_CHARS);
            tracing::info!(peer = from, %name, "player registered");
            let Some(state) = ctx.state_mut::<ServerLobby>() else {
                return;
            };
            state.players.insert(from, name);
            state.counters.register_received += 1;
            let players = players_dictionary(&state.players);
            let sent = broadcast(ctx, "update_players", &[players]);
            if let Some(state) = ctx.state_mut::<ServerLobby>() {
                state.counters.update_players_sent += sent;
            }
        }),
        // Authority methods: the server calls them; clients may not (refused before a handler).
        loaded.on_rpc(
            tree,
            LOBBY_PATH,
            "receive_chat",
            |_, (_, _): (i64, String)| {},
        ),
        loaded.on_rpc(
            tree,
            LOBBY_PATH,
            "update_players",
            |_, (_,): (Dictionary,)| {},
        ),
    ];
    for result in attached {
        result.unwrap_or_else(|e| panic!("the lobby project's handlers: {e}"));
    }
    let missing = loaded.missing_handlers();
    assert!(
        missing.is_empty(),
        "the lobby project declares methods the server does not handle: {missing:?}"
    );
    lobby
}

/// Forgets a peer that left; when it was registered, sends the new list to everyone left.
pub fn server_peer_left(tree: &mut SceneTree, lobby: NodeId, peer: PeerId) {
    let Some(state) = tree
        .node_mut(lobby)
        .and_then(|node| node.state_mut::<ServerLobby>())
    else {
        return;
    };
    if state.players.remove(&peer).is_none() {
        return;
    }
    let players = players_dictionary(&state.players);
    if let Err(error) = tree.rpc(lobby, "update_players", &[players]) {
        tracing::debug!(%error, "no one left to tell");
    }
}

/// What a lobby client saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LobbyEvent {
    /// `receive_chat(from, text)`.
    Chat {
        /// The peer that sent the line.
        from: PeerId,
        /// The line.
        text: String,
    },
    /// `update_players(players)`.
    Players(BTreeMap<PeerId, String>),
}

/// A lobby client's state, kept on the node: events not yet taken, and the player list.
#[derive(Debug, Default)]
pub struct ClientLobby {
    /// Events since the last [`take_client_events`].
    pub events: Vec<LobbyEvent>,
    /// The last player list.
    pub players: BTreeMap<PeerId, String>,
}

/// Reads `update_players`' dictionary; entries that are not `int: String` are skipped.
pub fn parse_players(dict: &Dictionary) -> BTreeMap<PeerId, String> {
    dict.iter()
        .filter_map(|(key, value)| match (key, value) {
            (Variant::Int(id), Variant::String(name)) => Some((
                PeerId::try_from(*id).ok()?,
                bounded(name.clone(), MAX_NAME_CHARS),
            )),
            _ => None,
        })
        .collect()
}

/// Adds `/root/Lobby` with the client's handlers (events collect in [`ClientLobby`]).
pub fn install_client(tree: &mut SceneTree) -> NodeId {
    let lobby = tree.add_path(LOBBY_PATH).expect("a fresh tree has /root");
    tree.node_mut(lobby)
        .expect("just added")
        .set_state(ClientLobby::default());
    let authority = RpcConfig::authority();
    tree.on_rpc(
        lobby,
        "receive_chat",
        authority,
        |ctx, (from, text): (i64, String)| {
            let Some(state) = ctx.state_mut::<ClientLobby>() else {
                return;
            };
            let from = PeerId::try_from(from).unwrap_or(0);
            state.events.push(LobbyEvent::Chat {
                from,
                text: bounded(text, MAX_CHAT_CHARS),
            });
        },
    )
    .expect("lobby node");
    tree.on_rpc(
        lobby,
        "update_players",
        authority,
        |ctx, (players,): (Dictionary,)| {
            let Some(state) = ctx.state_mut::<ClientLobby>() else {
                return;
            };
            let players = parse_players(&players);
            state.players = players.clone();
            state.events.push(LobbyEvent::Players(players));
        },
    )
    .expect("lobby node");
    // Declared so ids and checksum match the server's; only the server handles them.
    let any_peer = RpcConfig::any_peer();
    tree.on_rpc(lobby, "chat", any_peer, |_, (_,): (String,)| {})
        .expect("lobby node");
    tree.on_rpc(lobby, "register", any_peer, |_, (_,): (String,)| {})
        .expect("lobby node");
    lobby
}

/// Takes the client events collected since the last call.
pub fn take_client_events(tree: &mut SceneTree, lobby: NodeId) -> Vec<LobbyEvent> {
    tree.node_mut(lobby)
        .and_then(|node| node.state_mut::<ClientLobby>())
        .map(|state| std::mem::take(&mut state.events))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lobby_ids_and_checksum_follow_the_sorted_names() {
        let mut server = SceneTree::new();
        let mut client = SceneTree::new();
        let s = install_server(&mut server);
        let c = install_client(&mut client);
        let (s, c) = (server.node(s).unwrap(), client.node(c).unwrap());
        for (id, method) in ["chat", "receive_chat", "register", "update_players"]
            .into_iter()
            .enumerate()
        {
            assert_eq!(s.rpc_method_id(method), Some(id as u16), "{method}");
            assert_eq!(c.rpc_method_id(method), Some(id as u16), "{method}");
        }
        // MD5 of "chatreceive_chatregisterupdate_players" (spec C.2), what lobby.gd sends.
        assert_eq!(s.rpc_checksum(), "f60c9c7d4ca8e85156fffdbd81b835c1");
        assert_eq!(c.rpc_checksum(), s.rpc_checksum());
    }

    #[test]
    fn players_dictionary_round_trips_and_skips_bad_entries() {
        let players = BTreeMap::from([(5, "ann".to_string()), (9, "bob".to_string())]);
        let Variant::Dictionary(mut dict) = players_dictionary(&players) else {
            panic!("a dictionary");
        };
        dict.insert("not an id", "x");
        dict.insert(7, 3);
        assert_eq!(parse_players(&dict), players);
        assert_eq!(bounded("héllo".into(), 2), "hé");
    }
}
