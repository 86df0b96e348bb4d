//! `serve`'s abuse limits: per-peer limits of SceneMultiplayer ([`netscene::PeerLimits`]) and
//! the per-address limit of connections still in their handshake (WebSocket and ENet). Every
//! limit is off unless its flag is given, except `--max-pending-per-address` (on at 16: only
//! a flood from one address reaches it).

use netscene::{PeerLimits, SceneMultiplayer};
use netscene_enet::ENetMultiplayerPeer;
use netscene_websocket::WebSocketMultiplayerPeer;

/// Default of `--max-pending-per-address`.
pub const DEFAULT_MAX_PENDING_PER_ADDRESS: usize = 16;

/// `serve`'s limit flags; each can also come from its `NETSCENE_*` variable.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Most RPCs per second one client may send; more are dropped (off when not given).
    #[arg(long, env = "NETSCENE_MAX_RPCS_PER_SECOND", value_name = "N")]
    pub max_rpcs_per_second: Option<u32>,
    /// Most bytes per second one client may send; more are dropped (off when not given).
    /// Set it well above the largest packet the game sends.
    #[arg(long, env = "NETSCENE_MAX_BYTES_PER_SECOND", value_name = "BYTES")]
    pub max_bytes_per_second: Option<u64>,
    /// Most packets per second the relay forwards for one client, one per recipient; more
    /// are dropped (off when not given).
    #[arg(long, env = "NETSCENE_MAX_RELAYS_PER_SECOND", value_name = "N")]
    pub max_relays_per_second: Option<u32>,
    /// Disconnect a client that exceeded a limit in this many one-second windows (net of its
    /// clean ones); without it clients are only throttled.
    #[arg(long, env = "NETSCENE_DISCONNECT_ABUSIVE_AFTER", value_name = "SECONDS",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub disconnect_abusive_after: Option<u32>,
    /// Most connections from one IP address still in their handshake at once (WebSocket:
    /// more are closed at once; ENet: further connection requests are dropped until one
    /// completes or times out). 0: no limit.
    #[arg(long, env = "NETSCENE_MAX_PENDING_PER_ADDRESS", value_name = "N",
          default_value_t = DEFAULT_MAX_PENDING_PER_ADDRESS)]
    pub max_pending_per_address: usize,
}

impl LimitArgs {
    /// The per-peer limits the flags describe.
    pub fn peer_limits(&self) -> PeerLimits {
        PeerLimits {
            rpcs_per_second: self.max_rpcs_per_second,
            bytes_per_second: self.max_bytes_per_second,
            relays_per_second: self.max_relays_per_second,
            disconnect_after: self.disconnect_abusive_after,
        }
    }

    /// Applies the per-peer limits to the server's SceneMultiplayer.
    pub fn apply(&self, mp: &mut SceneMultiplayer) {
        mp.set_peer_limits(self.peer_limits());
    }

    /// Applies the ENet server's per-address limit of half-open connections.
    pub fn apply_enet(&self, peer: &mut ENetMultiplayerPeer) {
        peer.set_max_pending_per_address(self.pending_limit());
    }

    fn pending_limit(&self) -> Option<usize> {
        (self.max_pending_per_address > 0).then_some(self.max_pending_per_address)
    }

    /// Applies the WebSocket server's limits: `max_clients` refused before admission (a
    /// `503` to the handshake) and the per-address pending limit.
    pub fn apply_websocket(&self, peer: &mut WebSocketMultiplayerPeer, max_clients: usize) {
        peer.set_max_peers(Some(max_clients));
        peer.set_max_pending_per_address(self.pending_limit());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        limits: LimitArgs,
    }

    #[test]
    fn flags_become_peer_limits_and_default_to_off() {
        let cli = Cli::parse_from(["x"]);
        assert_eq!(cli.limits.peer_limits(), PeerLimits::default());
        assert_eq!(
            cli.limits.max_pending_per_address,
            DEFAULT_MAX_PENDING_PER_ADDRESS
        );
        let cli = Cli::parse_from([
            "x",
            "--max-rpcs-per-second",
            "50",
            "--max-bytes-per-second",
            "100000",
            "--max-relays-per-second",
            "200",
            "--disconnect-abusive-after",
            "3",
        ]);
        assert_eq!(
            cli.limits.peer_limits(),
            PeerLimits {
                rpcs_per_second: Some(50),
                bytes_per_second: Some(100_000),
                relays_per_second: Some(200),
                disconnect_after: Some(3),
            }
        );
        assert!(Cli::try_parse_from(["x", "--disconnect-abusive-after", "0"]).is_err());
    }

    #[test]
    fn websocket_limits_reach_the_peer() {
        let cli = Cli::parse_from(["x", "--max-pending-per-address", "0"]);
        let mut peer = WebSocketMultiplayerPeer::new();
        cli.limits.apply_websocket(&mut peer, 7);
        assert_eq!(peer.get_max_peers(), Some(7));
        assert_eq!(peer.get_max_pending_per_address(), None);
    }

    #[test]
    fn the_pending_limit_reaches_an_enet_server_too() {
        let mut peer = ENetMultiplayerPeer::new();
        Cli::parse_from(["x"]).limits.apply_enet(&mut peer);
        assert_eq!(
            peer.get_max_pending_per_address(),
            Some(DEFAULT_MAX_PENDING_PER_ADDRESS)
        );
        Cli::parse_from(["x", "--max-pending-per-address", "0"])
            .limits
            .apply_enet(&mut peer);
        assert_eq!(peer.get_max_pending_per_address(), None);
    }
}
