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

#![deny(missing_docs)]

mod codec;
mod compressed;
mod containers;
mod decode;
mod encode;
mod error;
mod error_code;
mod from_variant;
mod key_identity;
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
pub use text::{ParseError, str_to_var, var_to_str, var_to_str_one_line};
pub use variant::*;

/// Deepest container nesting netscene accepts, in both of Godot's forms: a value may sit inside
/// at most this many arrays, dictionaries or objects.
///
/// The one limit for every walk of a value: [`decode_variant`] and [`encode_variant`] refuse
/// deeper values (`ERR_OUT_OF_MEMORY`, as Godot's marshalls do past their own limit),
/// [`str_to_var`] refuses deeper text with a [`ParseError`] (Godot's text parser has no limit and
/// recurses until its stack overflows), and [`var_to_str`] writes containers past it as empty
/// ones, as Godot's writer does. A value nested within the limit passes through both forms; one
/// nested deeper is refused by both.
///
/// Godot's binary limit is 1024 (`Variant::MAX_RECURSION_DEPTH`), sized for its C++ frames on an
/// 8 MiB main thread. Here values may be handled on any thread, and Rust gives spawned threads
/// (test threads included) 2 MiB. Neither the decoder nor the text parser recurses (open
/// containers live on a heap stack), but everything done with the tree does: cloning, comparing,
/// encoding, formatting and dropping it recurse once per level. Measured in a debug build
/// (x86-64, Rust 1.95) on 512 nested dictionaries, the deepest-costing shape: clone and `==` need
/// 1.2–1.6 MiB of stack, encode 0.6–0.8 MiB, `var_to_str` 0.8–1 MiB, drop under 0.2 MiB; a
/// recursive decoder had needed ~3.8 KiB per level (1.9 MiB), a recursive text parser ~5 KiB
/// (2.5 MiB). At Godot's 1024 the derived clone and comparison would overflow a 2 MiB thread in
/// debug builds; 512 keeps every walk inside it (the `depth_bomb_*` tests run them on 2 MiB
/// threads), and no game state legitimately nests deeper.
pub const MAX_DECODE_DEPTH: usize = 512;

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
