//! The `netscene` command.
//!
//! Subcommands live in their own modules; each is one variant of [`Command`] and returns the
//! process exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod variant_cmd;

/// netscene: Godot 4's high-level multiplayer, wire-compatible, in Rust.
#[derive(Debug, Parser)]
#[command(name = "netscene", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Encode and decode Godot Variant bytes (`encode_variant` / `decode_variant`).
    Variant(variant_cmd::VariantArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Variant(args) => variant_cmd::run(args),
    }
}
