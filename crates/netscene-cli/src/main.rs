//! The `netscene` command.
//!
//! Subcommands live in their own modules; each is one variant of [`Command`] and returns the
//! process exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc, not the system allocator: a busy server allocates a few small buffers per packet
/// (the measurement is in the note in Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ignores a closed standard output (`netscene demo | head`) instead of
/// panicking.
macro_rules! out {
    () => {
        out!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod agones;
mod arena;
mod bench;
mod bench_bots;
mod bench_child;
mod connect;
mod counting;
mod demo;
mod drain;
mod enet_watch;
mod health;
mod inspect;
mod limits;
mod lobby;
mod logging;
mod memory;
mod metrics;
mod netem;
mod pacing;
mod serve;
mod serve_webrtc;
mod signal;
mod soak;
mod stats;
mod status_line;
mod token_auth;
mod transport;
mod variant_cmd;
mod world;
mod wss;

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
    /// A server and bots playing a small game in one process: the whole API at work.
    Demo(demo::DemoArgs),
    /// A headless dedicated server hosting the Godot lobby (`/root/Lobby`), with `--game arena`
    /// also a replicated arena (`/root/Arena`).
    Serve(serve::ServeArgs),
    /// A lobby client: prints events and chat, sends stdin lines as chat.
    Connect(connect::ConnectArgs),
    /// Load test: N bots against a server, then throughput, CPU and round-trip times.
    Bench(bench::BenchArgs),
    /// Encode and decode Godot Variant bytes (`encode_variant` / `decode_variant`).
    Variant(variant_cmd::VariantArgs),
    /// The wire contract of a Godot project (RPC ids, checksums, spawners, synchronizers);
    /// `--against` lists differences that break the wire.
    Inspect(inspect::InspectArgs),
    /// The WebRTC lobby signaling server: games join lobbies and exchange their offers,
    /// answers and ICE candidates here (JSON over WebSocket; see the README).
    Signal(signal::SignalArgs),
}

/// Value parser for text flags where an empty value can only be a mistake (`--name ""`,
/// `--auth-token ""`: Godot's `send_auth` refuses empty data, so no client could ever join).
fn non_empty(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(text.to_string())
    }
}

/// The first line of a clap error; when it ends in `:`, the indented lines after it (the
/// missing arguments) join it, so `<HOST:PORT>` is not lost.
fn one_line(text: &str) -> String {
    let mut lines = text.lines();
    let mut line = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_string();
    if line.ends_with(':') {
        let details: Vec<&str> = lines
            .take_while(|l| l.starts_with(char::is_whitespace) && !l.trim().is_empty())
            .map(str::trim)
            .collect();
        if !details.is_empty() {
            line.push(' ');
            line.push_str(&details.join(", "));
        }
    }
    line
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() => {
            // Usage errors: one line, no usage dump (`--help` shows it).
            eprintln!("{} (see --help)", one_line(&error.render().to_string()));
            return ExitCode::from(2);
        }
        Err(error) => {
            // --help and --version.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
    };
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Connect(args) => connect::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Variant(args) => variant_cmd::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Signal(args) => signal::run(args),
    }
}
