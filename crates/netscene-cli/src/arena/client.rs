//! The arena as a netscene client sees it: the same nodes and spawner as the server, `move`
//! declared for its id and checksum, and a view of the replicated avatars.

use netscene::variant::{Vector2, Vector2i};
use netscene::{NodeId, SceneTree, Variant};

use super::{MOVE_METHOD, PLAYERS_PATH, add_arena_nodes, build_player, move_config};

/// Adds the arena as a netscene client sees it: the same nodes and spawner, and `move`
/// declared (only the server handles it) so method ids and checksum match.
pub fn install_client(tree: &mut SceneTree) -> NodeId {
    let (arena, _) = add_arena_nodes(tree, build_player);
    tree.on_rpc(arena, MOVE_METHOD, move_config(), |_, (_,): (Vector2i,)| {})
        .expect("arena node");
    arena
}

/// What a peer sees of one avatar.
#[derive(Debug, Clone, PartialEq)]
pub struct AvatarView {
    /// The node name: the owner's peer id.
    pub name: String,
    /// `position`.
    pub position: Vector2,
    /// `score`.
    pub score: i64,
    /// `player_name`.
    pub player_name: String,
}

/// Every avatar under [`PLAYERS_PATH`] on this peer, in child order.
pub fn avatars(tree: &SceneTree) -> Vec<AvatarView> {
    let Some(players) = tree.get_node(PLAYERS_PATH).and_then(|id| tree.node(id)) else {
        return Vec::new();
    };
    players
        .children()
        .iter()
        .filter_map(|&child| tree.node(child))
        .map(|node| AvatarView {
            name: node.name().to_string(),
            position: match node.get_property("position") {
                Some(Variant::Vector2(v)) => *v,
                _ => Vector2::default(),
            },
            score: match node.get_property("score") {
                Some(Variant::Int(score)) => *score,
                _ => 0,
            },
            player_name: match node.get_property("player_name") {
                Some(Variant::String(name)) => name.clone(),
                _ => String::new(),
            },
        })
        .collect()
}
