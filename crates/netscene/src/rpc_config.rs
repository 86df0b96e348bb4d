//! RPC configuration per method: Godot's `RPCMode`, `@rpc(...)` / `Node.rpc_config()`.

use netscene_variant::{Dictionary, Variant};

use crate::peer::TransferMode;

/// `MultiplayerAPI.RPCMode`, with Godot's values.
#[doc(alias = "RPCMode")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum RpcMode {
    /// `RPC_MODE_DISABLED`: never callable remotely.
    Disabled = 0,
    /// `RPC_MODE_ANY_PEER`: any peer may call it.
    AnyPeer = 1,
    /// `RPC_MODE_AUTHORITY`: only the node's multiplayer authority may call it (GDScript's default).
    #[default]
    Authority = 2,
}

impl RpcMode {
    /// The mode for Godot's numeric value (other values read as disabled, never callable).
    pub fn from_godot(value: i64) -> Self {
        match value {
            1 => RpcMode::AnyPeer,
            2 => RpcMode::Authority,
            _ => RpcMode::Disabled,
        }
    }

    /// The lowercase name Godot prints ("disabled", "any_peer", "authority").
    pub fn as_str(self) -> &'static str {
        match self {
            RpcMode::Disabled => "disabled",
            RpcMode::AnyPeer => "any_peer",
            RpcMode::Authority => "authority",
        }
    }
}

/// How one method may be called: the keys of Godot's RPC config dictionary.
///
/// The default is GDScript's `@rpc` default: `authority`, `call_remote`, `reliable`, channel 0.
///
/// ```
/// use netscene::{RpcConfig, RpcMode, TransferMode};
/// let cfg = RpcConfig::any_peer().call_local(true).transfer_mode(TransferMode::Unreliable).channel(2);
/// assert_eq!(cfg.mode, RpcMode::AnyPeer);
/// assert!(cfg.call_local);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RpcConfig {
    /// Who may call the method remotely (`rpc_mode`).
    pub mode: RpcMode,
    /// Also run the method locally when the target includes this peer (`call_local`).
    pub call_local: bool,
    /// Transfer mode of the call (`transfer_mode`).
    pub transfer_mode: TransferMode,
    /// Channel of the call (`channel`).
    pub channel: i32,
}

impl RpcConfig {
    /// `@rpc("any_peer")`.
    pub fn any_peer() -> Self {
        Self {
            mode: RpcMode::AnyPeer,
            ..Self::default()
        }
    }

    /// `@rpc("authority")` (the default).
    pub fn authority() -> Self {
        Self::default()
    }

    /// `rpc_mode = RPC_MODE_DISABLED`.
    pub fn disabled() -> Self {
        Self {
            mode: RpcMode::Disabled,
            ..Self::default()
        }
    }

    /// Sets `call_local`.
    pub fn call_local(mut self, call_local: bool) -> Self {
        self.call_local = call_local;
        self
    }

    /// Sets the transfer mode.
    pub fn transfer_mode(mut self, mode: TransferMode) -> Self {
        self.transfer_mode = mode;
        self
    }

    /// Sets the channel.
    pub fn channel(mut self, channel: i32) -> Self {
        self.channel = channel;
        self
    }

    /// Reads a Godot config dictionary (`rpc_mode`, `transfer_mode`, `call_local`, `channel`).
    /// Returns `None` when the value is not a Dictionary or lacks `rpc_mode`: Godot skips such
    /// entries (they still take their place in the id order).
    pub fn from_variant(value: &Variant) -> Option<Self> {
        let Variant::Dictionary(dict) = value else {
            return None;
        };
        // Godot treats String and StringName keys alike here.
        let get = |key: &str| {
            dict.get(&Variant::String(key.to_owned()))
                .or_else(|| dict.get(&Variant::StringName(key.into())))
        };
        let mode = match get("rpc_mode")? {
            Variant::Int(m) => RpcMode::from_godot(*m),
            _ => RpcMode::Authority,
        };
        let transfer_mode = match get("transfer_mode") {
            Some(Variant::Int(m)) => u8::try_from(*m)
                .ok()
                .and_then(TransferMode::from_godot)
                .unwrap_or(TransferMode::Reliable),
            _ => TransferMode::Reliable,
        };
        let call_local = matches!(get("call_local"), Some(Variant::Bool(true)));
        let channel = match get("channel") {
            Some(Variant::Int(c)) => i32::try_from(*c).unwrap_or(0),
            _ => 0,
        };
        Some(Self {
            mode,
            call_local,
            transfer_mode,
            channel,
        })
    }

    /// The Godot config dictionary for this configuration.
    pub fn to_variant(&self) -> Variant {
        let mut dict = Dictionary::new();
        dict.insert("rpc_mode", self.mode as i64);
        dict.insert("transfer_mode", self.transfer_mode as i64);
        dict.insert("call_local", self.call_local);
        dict.insert("channel", self.channel as i64);
        Variant::Dictionary(dict)
    }
}
