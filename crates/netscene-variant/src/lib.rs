//! Godot 4 `Variant` values, the binary format Godot's networking uses, and Godot's text form.
//!
//! Usable on its own, e.g. to read bytes a Godot game sent or stored.
//!
//! * [`encode_variant`] / [`decode_variant`]: the binary format (core/io/marshalls.cpp), byte-exact
//!   with Godot 4.4+.
//! * [`encode_and_compress_variant`] / [`decode_and_decompress_variant`]: the compressed form of
//!   RPC arguments and replication state.
//! * [`FromVariant`] / [`ToVariant`]: typed conversions for RPC handlers.

mod codec;
mod compressed;
mod containers;
mod decode;
mod encode;
mod error;
mod error_code;
mod from_variant;
mod math;
mod node_path;
mod reader;
mod variant;

pub use codec::*;
pub use containers::{Array, ContainerType, Dictionary};
pub use error_code::ErrorCode;
pub use from_variant::{FromVariant, FromVariantArgs, ToVariant};
pub use math::*;
pub use node_path::{InvalidNodePath, NodePath, StringName};
pub use variant::*;

/// Deepest container nesting the decoder accepts: a value may sit inside at most this many
/// arrays, dictionaries or objects.
///
/// Godot allows 1024 (`Variant::MAX_RECURSION_DEPTH`), sized for its C++ frames on an 8 MiB main
/// thread. Here the decoder may run on any thread: Rust test and worker threads get 2 MiB, and
/// debug builds use several times the stack per level that release builds do. Decoding is not
/// the only recursion either — dropping, cloning, comparing, encoding and formatting the decoded
/// tree each recurse once per level. 512 keeps every one of those well inside a 2 MiB stack even
/// in debug builds (the `depth_bomb_*` tests decode, encode and format a 512-deep value on a
/// 2 MiB thread), and no game state legitimately nests that deep.
pub const MAX_DECODE_DEPTH: usize = 512;
