//! The README's replication excerpts are the compiled example's code, word for word (the
//! second excerpt is the body of `main`, shown without its indentation).

#[test]
fn readme_replication_excerpts_match_examples_replication() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/replication.rs");
    let section = readme
        .find("### Replication: spawners and synchronizers")
        .expect("README has the replication section");
    let section = &readme[section..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let blocks: Vec<&str> = section
        .split("```rust\n")
        .skip(1)
        .map(|b| &b[..b.find("```").expect("block ends")])
        .collect();
    assert_eq!(blocks.len(), 2);
    assert!(example.contains(blocks[0]), "first excerpt differs");
    let indented: String = blocks[1]
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("    {l}\n")
            }
        })
        .collect();
    assert!(example.contains(&indented), "second excerpt differs");
}
