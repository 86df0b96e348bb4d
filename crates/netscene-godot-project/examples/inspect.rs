//! Prints the wire table of the Godot project in the directory given as argument.

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    match netscene_godot_project::GodotProject::open(&dir).and_then(|mut p| p.wire_table()) {
        Ok(table) => print!("{table}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
