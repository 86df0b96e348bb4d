//! The data channels Godot's `WebRTCMultiplayerPeer` opens on every connection, and how a
//! packet's transfer mode and channel map onto them. Facts from Godot 4's
//! `modules/webrtc/webrtc_multiplayer_peer.cpp`.
//!
//! | index | label | negotiated id | ordered | partial reliability | reports |
//! |---|---|---|---|---|---|
//! | 0 | `reliable` | 1 | yes | none | channel 0, reliable |
//! | 1 | `ordered` | 2 | yes | `maxPacketLifetime` = `unreliable_lifetime` | channel 0, unreliable ordered |
//! | 2 | `unreliable` | 3 | no | `maxPacketLifetime` = `unreliable_lifetime` | channel 0, unreliable |
//! | 3 + i | `"{4 + i}"` | 4 + i | per mode | `maxPacketLifetime` = 1 ms unless reliable | channel i + 1, its configured mode |
//!
//! The extra channels come from the `channels_config` array of `create_server`/`create_client`/
//! `create_mesh` (one transfer mode per custom channel); an unreliable-ordered custom channel is
//! ordered, an unreliable one unordered, and both use a fixed 1 ms lifetime (not
//! `unreliable_lifetime`). A packet on channel 0 picks the reserved channel of its transfer mode;
//! on channel n > 0 it goes on custom channel n whatever the mode asked, and the receiver reports
//! that channel's configured mode.

use netscene::peer::TransferMode;

use crate::data_channel::DataChannelConfig;

/// The three channels every connection has before the custom ones.
pub const RESERVED_CHANNELS: usize = 3;

/// One data channel of the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    /// The label Godot gives it.
    pub label: String,
    /// Its negotiated id, ordering and reliability.
    pub config: DataChannelConfig,
    /// The transfer mode packets received on it report.
    pub mode: TransferMode,
}

/// The channels of one connection, in Godot's order, for `add_peer(…, unreliable_lifetime)` on a
/// peer created with `custom` channel modes.
pub fn channel_layout(unreliable_lifetime: u16, custom: &[TransferMode]) -> Vec<ChannelSpec> {
    let reserved = [
        ("reliable", 1, true, None, TransferMode::Reliable),
        (
            "ordered",
            2,
            true,
            Some(unreliable_lifetime),
            TransferMode::UnreliableOrdered,
        ),
        (
            "unreliable",
            3,
            false,
            Some(unreliable_lifetime),
            TransferMode::Unreliable,
        ),
    ];
    let mut layout: Vec<ChannelSpec> = reserved
        .into_iter()
        .map(|(label, id, ordered, lifetime, mode)| ChannelSpec {
            label: label.to_owned(),
            config: DataChannelConfig {
                negotiated_id: Some(id),
                ordered,
                max_packet_lifetime: lifetime,
                ..DataChannelConfig::default()
            },
            mode,
        })
        .collect();
    for (i, &mode) in custom.iter().enumerate() {
        let id = (RESERVED_CHANNELS + i + 1) as u16;
        let (ordered, lifetime) = match mode {
            TransferMode::Reliable => (true, None),
            TransferMode::UnreliableOrdered => (true, Some(1)),
            TransferMode::Unreliable => (false, Some(1)),
        };
        layout.push(ChannelSpec {
            label: id.to_string(),
            config: DataChannelConfig {
                negotiated_id: Some(id),
                ordered,
                max_packet_lifetime: lifetime,
                ..DataChannelConfig::default()
            },
            mode,
        });
    }
    layout
}

/// The index in the layout a packet goes on: channel 0 by transfer mode, channel n > 0 on
/// custom channel n (index n + 2).
pub(crate) fn send_index(channel: i32, mode: TransferMode) -> Option<usize> {
    match channel {
        0 => Some(match mode {
            TransferMode::Reliable => 0,
            TransferMode::UnreliableOrdered => 1,
            TransferMode::Unreliable => 2,
        }),
        n if n > 0 => Some(n as usize + RESERVED_CHANNELS - 1),
        _ => None,
    }
}

/// The channel a packet received on layout index `index` reports.
pub(crate) fn reported_channel(index: usize) -> i32 {
    if index < RESERVED_CHANNELS {
        0
    } else {
        (index - RESERVED_CHANNELS + 1) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_channels_match_godot() {
        let layout = channel_layout(7, &[]);
        let summary: Vec<_> = layout
            .iter()
            .map(|c| {
                (
                    c.label.as_str(),
                    c.config.negotiated_id,
                    c.config.ordered,
                    c.config.max_packet_lifetime,
                    c.mode,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("reliable", Some(1), true, None, TransferMode::Reliable),
                (
                    "ordered",
                    Some(2),
                    true,
                    Some(7),
                    TransferMode::UnreliableOrdered
                ),
                (
                    "unreliable",
                    Some(3),
                    false,
                    Some(7),
                    TransferMode::Unreliable
                ),
            ]
        );
    }

    #[test]
    fn custom_channels_use_ids_from_4_and_a_fixed_lifetime() {
        let layout = channel_layout(
            50,
            &[
                TransferMode::Unreliable,
                TransferMode::Reliable,
                TransferMode::UnreliableOrdered,
            ],
        );
        let custom: Vec<_> = layout[3..]
            .iter()
            .map(|c| {
                (
                    c.label.as_str(),
                    c.config.negotiated_id,
                    c.config.ordered,
                    c.config.max_packet_lifetime,
                )
            })
            .collect();
        assert_eq!(
            custom,
            [
                ("4", Some(4), false, Some(1)),
                ("5", Some(5), true, None),
                ("6", Some(6), true, Some(1)),
            ]
        );
    }

    #[test]
    fn channels_map_both_ways() {
        assert_eq!(send_index(0, TransferMode::Reliable), Some(0));
        assert_eq!(send_index(0, TransferMode::UnreliableOrdered), Some(1));
        assert_eq!(send_index(0, TransferMode::Unreliable), Some(2));
        assert_eq!(send_index(1, TransferMode::Unreliable), Some(3));
        assert_eq!(send_index(3, TransferMode::Reliable), Some(5));
        assert_eq!(send_index(-1, TransferMode::Reliable), None);
        for index in 0..3 {
            assert_eq!(reported_channel(index), 0);
        }
        assert_eq!(reported_channel(3), 1);
        assert_eq!(reported_channel(5), 3);
    }
}
