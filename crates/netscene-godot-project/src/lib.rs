//! Reads a Godot 4 project and derives the multiplayer wire contract its scenes and scripts
//! declare.
