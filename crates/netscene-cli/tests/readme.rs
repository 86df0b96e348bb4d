//! The README's example commands run as written: each `netscene …` line of its first `sh`
//! block runs the built binary, must exit 0 and, when the line ends in `# prints TEXT`, print
//! exactly TEXT. The README cannot drift from the command's flags or output.

use std::process::Command;

const README: &str = include_str!("../README.md");

/// The lines of the README's first ```sh block that start with `netscene `.
fn example_lines() -> Vec<&'static str> {
    let block = README
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README has a ```sh block");
    block
        .lines()
        .filter(|line| line.starts_with("netscene "))
        .collect()
}

/// Splits a command line as a POSIX shell does for the quoting the README uses: words
/// separated by spaces, single quotes keeping spaces.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {line:?}");
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn shell_words_split_as_a_shell_does() {
    assert_eq!(
        shell_words("netscene variant encode 'Vector2(1, 2)' -x"),
        ["netscene", "variant", "encode", "Vector2(1, 2)", "-x"]
    );
}

#[test]
fn the_readme_examples_run_as_written() {
    let lines = example_lines();
    assert!(lines.len() >= 3, "example lines: {lines:?}");
    for line in lines {
        let (command, expected) = match line.split_once("# prints ") {
            Some((command, expected)) => (command, Some(expected.trim())),
            None => (line.split('#').next().unwrap_or(line), None),
        };
        let words = shell_words(command.trim());
        let output = Command::new(env!("CARGO_BIN_EXE_netscene"))
            .args(&words[1..])
            .output()
            .expect("the netscene binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{line:?} failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        if let Some(expected) = expected {
            assert_eq!(stdout.trim(), expected, "output of {line:?}");
        }
    }
}
