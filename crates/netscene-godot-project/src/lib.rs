//! Reads a Godot 4 project and derives the multiplayer wire contract its scenes and scripts
//! declare, without Godot.
//!
//! ```no_run
//! use netscene_godot_project::GodotProject;
//! let mut project = GodotProject::open("examples/godot-lobby-client")?;
//! let table = project.wire_table()?;
//! print!("{table}");
//! # Ok::<(), netscene_godot_project::ProjectError>(())
//! ```

#![deny(missing_docs)]

pub mod build;
pub mod diff;
pub mod error;
mod from_tree;
pub mod gdscript;
mod gdscript_lex;
mod load;
pub mod project;
pub mod replication;
pub mod resource;
pub mod scene;
pub mod table;
pub mod text;
pub mod value;

pub use diff::{Difference, diff};
pub use error::{ProjectError, Result};
pub use load::{AttachError, LoadedProject};
pub use project::GodotProject;
pub use table::WireTable;

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
