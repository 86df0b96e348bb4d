//! The root README's WebRTC example is the compiled example `lobby_host.rs`, word for word.

#[test]
fn readme_webrtc_example_matches_examples_lobby_host() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/lobby_host.rs");
    let section = readme
        .find("## WebRTC")
        .expect("README has the WebRTC section");
    let readme = &readme[section..];
    let start = readme.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("block ends");
    assert_eq!(&readme[start..end], example);
}
