//! `serve`'s live status line: drawn on a terminal (the built binary under `script`, which gives
//! it a pseudo-terminal), absent when the output is a pipe (structured logs only).

mod support;

use std::process::Command;

use support::*;

#[test]
fn a_terminal_shows_the_status_line_between_the_logs() {
    let found = Command::new("sh")
        .args(["-c", "command -v script"])
        .output()
        .expect("run sh");
    assert!(
        found.status.success(),
        "`script` (util-linux) is needed: apt-get install -y util-linux"
    );
    // The server runs 2 s on the pseudo-terminal, then stops itself (SIGTERM, no players: the
    // drain ends at once), so nothing outlives the test.
    let inner =
        format!("{BIN} serve --port 0 & pid=$!; sleep 2; kill -TERM $pid; wait $pid; echo exit=$?");
    let output = Command::new("timeout")
        .args(["60", "script", "-qfec", &inner, "/dev/null"])
        .env_remove("RUST_LOG")
        // indicatif draws nothing when TERM is unset or "dumb" (CI shells, `env -i`): the
        // pseudo-terminal gets a real terminal type whatever the caller's environment.
        .env("TERM", "xterm")
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("peers 0 | 0.0 RPC/s | in 0 B/s out 0 B/s | loop "),
        "{text}"
    );
    assert!(text.contains("listening"), "the logs are there too: {text}");
    assert!(text.contains("exit=0"), "{text}");
}

#[test]
fn a_pipe_gets_the_logs_only() {
    let (server, _) = serve(&[], &[]);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    server.terminate();
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("listening"), "{stdout}");
    for output in [&stdout, &stderr] {
        assert!(
            !output.contains("RPC/s"),
            "no status line off a terminal: {output}"
        );
    }
}
