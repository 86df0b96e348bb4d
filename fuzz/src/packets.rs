//! How one fuzz input becomes several packets: the input split on [`SEPARATOR`].
//!
//! A separator is easy for libFuzzer's mutators (it is in `scene_packets.dict`, and whole
//! packets can be spliced between inputs), and a seed file is just valid packets joined by it.

/// Bytes that end one packet and start the next.
pub const SEPARATOR: &[u8] = b"|PKT|";

/// Packets taken from one input; the rest is ignored, so every input runs in bounded time.
pub const MAX_PACKETS: usize = 64;

/// The packets of `data`: the pieces between separators (empty pieces included: an empty packet
/// is hostile input too), at most [`MAX_PACKETS`].
pub fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut packets = Vec::new();
    let mut rest = data;
    while packets.len() < MAX_PACKETS {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                packets.push(&rest[..at]);
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => {
                packets.push(rest);
                break;
            }
        }
    }
    packets
}

/// The inverse of [`split`], for writing seed files.
pub fn join(packets: &[&[u8]]) -> Vec<u8> {
    packets.join(SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_are_inverse() {
        let packets: [&[u8]; 3] = [b"\x03\xaa", b"", b"\x80\x01\x00"];
        let joined = join(&packets);
        assert_eq!(joined, b"\x03\xaa|PKT||PKT|\x80\x01\x00");
        assert_eq!(split(&joined), packets);
        assert_eq!(split(b""), [b""]);
    }

    #[test]
    fn split_stops_at_the_packet_limit() {
        let many = SEPARATOR.repeat(1000);
        assert_eq!(split(&many).len(), MAX_PACKETS);
    }
}
