//! Reads a Godot 4 project and derives the multiplayer wire contract its scenes and scripts
//! declare.

pub mod error;
pub mod gdscript;
mod gdscript_lex;
pub mod resource;
pub mod text;
pub mod value;

pub use error::{ProjectError, Result};
