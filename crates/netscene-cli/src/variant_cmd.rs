//! `netscene variant decode|encode`: Godot's binary Variant format from and to its text form.
//!
//! ```text
//! $ netscene variant decode "05 00 00 00 00 00 80 3f 00 00 00 40"
//! Vector2(1, 2)
//! $ netscene variant decode "1b000000 02000000 04000000 01000000 62000000 02000000 01000000
//!     04000000 01000000 61000000 02000000 02000000"
//! {
//! "a": 2,
//! "b": 1
//! }
//! $ netscene variant decode --one-line "1b000000 02000000 …"
//! {"b": 1, "a": 2}
//! $ netscene variant encode 'Vector2(1, 2)'
//! 050000000000803f00000040
//! ```
//!
//! Bad input prints one `error: …` line on stderr naming what went wrong and where (byte offset
//! or line/column) and exits with status 2.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use netscene_variant::{
    DecodeOptions, EncodeOptions, Variant, decode_and_decompress_variant, decode_variant,
    encode_and_compress_variant, encode_variant, str_to_var, var_to_str, var_to_str_one_line,
};

/// Exit status for bad input (the conventional usage-error status, as clap uses).
const EXIT_BAD_INPUT: u8 = 2;

/// `netscene variant …`
#[derive(Debug, Args)]
pub struct VariantArgs {
    #[command(subcommand)]
    command: VariantCommand,
}

#[derive(Debug, Subcommand)]
enum VariantCommand {
    /// Decode hex bytes and print the value as Godot's `var_to_str` writes it (dictionaries
    /// over several lines with their keys sorted, signals as `Signal()`).
    Decode {
        /// The bytes as hex, with or without spaces (several arguments are joined).
        #[arg(required = true, num_args = 1..)]
        hex: Vec<String>,
        /// Accept bytes after the value instead of failing.
        #[arg(long)]
        allow_trailing: bool,
        /// The bytes are in the compressed form RPC arguments use (`encode_and_compress_variant`).
        #[arg(long)]
        compressed: bool,
        /// Accept fully encoded objects (Godot's `allow_object_decoding`).
        #[arg(long)]
        allow_objects: bool,
        /// Print on one line instead, with dictionaries in byte (wire) order and signals with
        /// their name and object id: `{"b": 1, "a": 2}`, `Signal(&"hit", 42)`.
        #[arg(long)]
        one_line: bool,
        /// What the output used to need a flag for: Godot's `var_to_str` is now the default.
        #[arg(long, hide = true, conflicts_with = "one_line")]
        godot: bool,
    },
    /// Encode a value written in Godot's text form and print the bytes as lowercase hex.
    Encode {
        /// The value, e.g. 'Vector2(1, 2)', '{"a": 1}', 'Array[int]([1, 2])', -1.
        #[arg(allow_hyphen_values = true)]
        text: String,
        /// Write real_t math types in double precision (FLAG_64), as a double-precision build.
        #[arg(long)]
        double: bool,
        /// Use the compressed form RPC arguments use (`encode_and_compress_variant`).
        #[arg(long)]
        compressed: bool,
        /// Encode objects fully (class and properties) instead of as instance ids.
        #[arg(long)]
        full_objects: bool,
    },
}

/// Runs `netscene variant …` and returns the exit code.
pub fn run(args: VariantArgs) -> ExitCode {
    let result = match args.command {
        VariantCommand::Decode {
            hex,
            allow_trailing,
            compressed,
            allow_objects,
            one_line,
            godot: _,
        } => decode(
            &hex.join(" "),
            allow_trailing,
            compressed,
            allow_objects,
            one_line,
        ),
        VariantCommand::Encode {
            text,
            double,
            compressed,
            full_objects,
        } => encode(&text, double, compressed, full_objects),
    };
    match result {
        Ok(text) => {
            // Godot ends an object's text with a newline already: do not double it.
            let newline = if text.ends_with('\n') { "" } else { "\n" };
            // A closed stdout (e.g. piped into `head`) is not worth a panic.
            let _ = write!(std::io::stdout(), "{text}{newline}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn decode(
    hex: &str,
    allow_trailing: bool,
    compressed: bool,
    allow_objects: bool,
    one_line: bool,
) -> Result<String, String> {
    let bytes = parse_hex(hex)?;
    let options = DecodeOptions {
        allow_objects,
        ..DecodeOptions::default()
    };
    let decoded = if compressed {
        decode_and_decompress_variant(&bytes, &options)
    } else {
        decode_variant(&bytes, &options)
    };
    let (value, used) = decoded.map_err(|e| format!("cannot decode: {e} ({})", e.code().name()))?;
    if used < bytes.len() && !allow_trailing {
        return Err(format!(
            "{} trailing bytes after the value at byte {used} (pass --allow-trailing to ignore them)",
            bytes.len() - used
        ));
    }
    Ok(if one_line {
        var_to_str_one_line(&value)
    } else {
        var_to_str(&value)
    })
}

fn encode(
    text: &str,
    double: bool,
    compressed: bool,
    full_objects: bool,
) -> Result<String, String> {
    let value: Variant = str_to_var(text).map_err(|e| format!("cannot parse value: {e}"))?;
    let options = EncodeOptions {
        full_objects,
        double_precision: double,
    };
    let mut out = Vec::new();
    let encoded = if compressed {
        encode_and_compress_variant(&value, &mut out, &options)
    } else {
        encode_variant(&value, &mut out, &options)
    };
    encoded.map_err(|e| format!("cannot encode: {e} ({})", e.code().name()))?;
    Ok(to_hex(&out))
}

/// Bytes from hex digits; whitespace anywhere is ignored.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let mut digits = Vec::with_capacity(text.len());
    for (column, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        match c.to_digit(16) {
            Some(d) => digits.push(d as u8),
            None => return Err(format!("invalid hex digit {c:?} at column {}", column + 1)),
        }
    }
    if digits.len() % 2 != 0 {
        return Err(format!(
            "odd number of hex digits ({}): the last byte is incomplete",
            digits.len()
        ));
    }
    Ok(digits.chunks_exact(2).map(|p| p[0] << 4 | p[1]).collect())
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xF)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(parse_hex("01 ff\tAb").unwrap(), vec![1, 0xff, 0xab]);
        assert_eq!(to_hex(&[1, 0xff, 0xab]), "01ffab");
        assert!(parse_hex("0g").unwrap_err().contains("column 2"));
        assert!(parse_hex("012").unwrap_err().contains("odd number"));
    }
}
