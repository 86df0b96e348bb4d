//! Godot 4 `Variant` values and the binary format Godot's networking uses.
//!
//! Usable on its own, e.g. to read bytes a Godot game sent or stored.

mod codec;
mod error_code;
mod math;
mod node_path;
mod variant;

pub use codec::*;
pub use error_code::ErrorCode;
pub use math::*;
pub use node_path::{NodePath, StringName};
pub use variant::*;

/// Deepest container nesting the decoder accepts (Godot allows 1024; see the codec docs).
pub const MAX_DECODE_DEPTH: usize = 512;
