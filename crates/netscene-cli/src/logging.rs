//! Log output: `tracing-subscriber`, as text or one JSON object per line.

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard output: a server's logs are its output.
    Stdout,
    /// Standard error: for commands whose standard output is their result.
    Stderr,
}

/// Installs the global subscriber; `RUST_LOG` overrides `default_filter`.
pub fn init(format: LogFormat, target: LogTarget, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    // try_init: a second call (never made by the command itself) is harmless.
    let _ = match (format, target) {
        (LogFormat::Text, LogTarget::Stdout) => builder.with_writer(std::io::stdout).try_init(),
        (LogFormat::Text, LogTarget::Stderr) => builder.with_writer(std::io::stderr).try_init(),
        (LogFormat::Json, LogTarget::Stdout) => {
            builder.json().with_writer(std::io::stdout).try_init()
        }
        (LogFormat::Json, LogTarget::Stderr) => {
            builder.json().with_writer(std::io::stderr).try_init()
        }
    };
}
