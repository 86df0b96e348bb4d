//! The `netscene` command.

fn main() {
    println!("netscene {}", env!("CARGO_PKG_VERSION"));
}
