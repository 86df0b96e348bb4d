//! `netscene serve --game arena` as a child process for the arena tests: its log lines
//! collected, every wait bounded, killed by its pid when dropped.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_netscene");
/// Per wait: generous, as CI machines are shared and slow (a browser starting the 37 MB
/// Godot web build on a loaded 2-core machine took over 40 s; an unloaded one takes 3 s).
pub const STEP: Duration = Duration::from_secs(60);

/// The `netscene serve` process and the lines it logged; killed by its pid when dropped.
pub struct Server {
    child: Child,
    lines: Receiver<String>,
    /// Every line logged so far (up to the last pump).
    pub log: Vec<String>,
}

impl Server {
    /// Starts `netscene ARGS`.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run netscene serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Takes the lines logged since the last call (never blocks).
    pub fn pump(&mut self) {
        self.log.extend(self.lines.try_iter());
    }

    /// Waits for a logged line containing every one of `parts`.
    pub fn wait_for(&mut self, parts: &[&str]) -> String {
        let start = Instant::now();
        loop {
            self.pump();
            if let Some(line) = self
                .log
                .iter()
                .find(|line| parts.iter().all(|part| line.contains(part)))
            {
                return line.clone();
            }
            assert!(
                start.elapsed() < STEP,
                "the server logged no line with {parts:?}:\n{}",
                self.log.join("\n")
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts `netscene serve --game arena --transport ws` on a free port of 127.0.0.1 and
    /// waits until it listens; returns it and the port.
    pub fn arena_ws(extra: &[&str]) -> (Self, u16) {
        Self::arena("ws", extra)
    }

    /// [`arena_ws`](Self::arena_ws) over `transport` (`ws` or `enet`).
    pub fn arena(transport: &str, extra: &[&str]) -> (Self, u16) {
        let mut args = vec![
            "serve",
            "--game",
            "arena",
            "--transport",
            transport,
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
        ];
        args.extend_from_slice(extra);
        let mut server = Server::start(&args);
        let transport = format!("transport={transport}");
        let listening = server.wait_for(&["listening", "game=Arena", &transport]);
        let port = field(&listening, "port")
            .parse()
            .unwrap_or_else(|_| panic!("a port in {listening:?}"));
        (server, port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Child::kill signals the server's own pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the field `key=` in a log line (` port=`, not the end of ` transport=`).
pub fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line
        .find(&format!(" {key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
        + key.len()
        + 2;
    line[start..].split_whitespace().next().unwrap_or_default()
}
