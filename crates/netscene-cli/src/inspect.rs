//! `netscene inspect PROJECT_DIR [--json] [--against OTHER]`: the wire contract a Godot 4
//! project declares (RPC method ids and checksums, spawners, synchronizers), read from its
//! files, and the differences that would break the wire between two projects or a project
//! and a saved JSON table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use netscene_godot_project::{GodotProject, WireTable, diff};

/// Arguments of `netscene inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The Godot project directory (the one holding project.godot).
    project: PathBuf,
    /// Print JSON (the table, or with --against the differences) instead of text.
    #[arg(long)]
    json: bool,
    /// Compare with another project directory, or a table saved by `netscene inspect --json`;
    /// exit status 1 when any difference breaks the wire.
    #[arg(long, value_name = "OTHER")]
    against: Option<PathBuf>,
}

/// Reads a project directory, or a JSON table file.
fn load(path: &Path) -> Result<WireTable, String> {
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        return serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not a table from `netscene inspect --json`: {e}",
                path.display()
            )
        });
    }
    GodotProject::open(path)
        .and_then(|mut p| p.wire_table())
        .map_err(|e| format!("{} ({})", e, path.display()))
}

/// Runs the command: 0 when fine, 1 when `--against` found breaking differences, 2 when a
/// project cannot be read.
pub fn run(args: InspectArgs) -> ExitCode {
    let ours = match load(&args.project) {
        Ok(table) => table,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(other) = &args.against else {
        if args.json {
            match serde_json::to_string_pretty(&ours) {
                Ok(json) => out!("{json}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        } else {
            out!("{}", ours.to_string().trim_end());
        }
        return ExitCode::SUCCESS;
    };
    let theirs = match load(other) {
        Ok(table) => table,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let differences = diff(&ours, &theirs);
    let breaking = differences.iter().filter(|d| d.breaking).count();
    if args.json {
        let report = serde_json::json!({ "breaking": breaking, "differences": differences });
        out!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else if differences.is_empty() {
        out!(
            "no differences: {} and {} agree on the wire",
            args.project.display(),
            other.display()
        );
    } else {
        out!(
            "ours: {}  theirs: {}",
            args.project.display(),
            other.display()
        );
        for d in &differences {
            out!("{d}");
        }
        out!(
            "{breaking} breaking difference(s), {} note(s)",
            differences.len() - breaking
        );
    }
    if breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
