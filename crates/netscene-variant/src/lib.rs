//! Godot 4 `Variant` values, the binary format Godot's networking uses, and Godot's text form.
//!
//! Usable on its own, e.g. to read bytes a Godot game sent or stored.
//!
//! * [`encode_variant`] / [`decode_variant`]: the binary format (core/io/marshalls.cpp), byte-exact
//!   with Godot 4.4+.
//! * [`encode_and_compress_variant`] / [`decode_and_decompress_variant`]: the compressed form of
//!   RPC arguments and replication state.
//! * [`FromVariant`] / [`ToVariant`]: typed conversions for RPC handlers.
//! * [`var_to_str`] / [`str_to_var`]: Godot's text form (`Vector2(1, 2)`, `{"a": 1}`, …).

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
mod text;
mod variant;

pub use codec::*;
pub use containers::{Array, ContainerType, Dictionary};
pub use error_code::ErrorCode;
pub use from_variant::{FromVariant, FromVariantArgs, ToVariant};
pub use math::*;
pub use node_path::{InvalidNodePath, NodePath, StringName};
pub use text::{MAX_TEXT_DEPTH, ParseError, str_to_var, var_to_str, var_to_str_one_line};
pub use variant::*;

/// Deepest container nesting the decoder accepts: a value may sit inside at most this many
/// arrays, dictionaries or objects (deeper input fails with `ERR_OUT_OF_MEMORY`, as in Godot).
///
/// Godot allows 1024 (`Variant::MAX_RECURSION_DEPTH`), sized for its C++ frames on an 8 MiB main
/// thread. Here the decoder runs on whatever thread receives packets, and Rust gives spawned
/// threads (test threads included) 2 MiB. Measured on a 512-deep nest of arrays (x86-64, Rust
/// 1.95): the decoder needs about 2.5 KiB of stack per level in a debug build (512 levels fit in
/// 1.3 MiB, not in 1.2 MiB) and about 0.4 KiB in a release build (≈ 210 KiB). At Godot's 1024 a
/// debug build would need ≈ 2.5 MiB and overflow a 2 MiB thread; 512 leaves a third of the stack
/// free for the caller and for the other recursive walks of the decoded tree (clone, compare,
/// drop, encode, format — each tested on a 2 MiB thread by the `depth_bomb_*` tests). No game
/// state legitimately nests that deep.
pub const MAX_DECODE_DEPTH: usize = 512;
