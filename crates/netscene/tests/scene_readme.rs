//! The README's library example is the compiled example file, word for word.

#[test]
fn readme_example_matches_examples_hello_rpc() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/hello_rpc.rs");
    let section = readme
        .find("## Use it as a library")
        .expect("README has the library section");
    let readme = &readme[section..];
    let start = readme.find("```rust\n").expect("README has a rust block") + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("block ends");
    assert_eq!(&readme[start..end], example);
}
