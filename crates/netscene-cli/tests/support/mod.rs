//! Running the built `netscene` binary in tests: children whose output lines arrive on
//! channels, killed when dropped, every wait bounded.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_netscene");
/// Generous: CI machines are shared and slow; a passing run takes a fraction of it.
pub const WAIT: Duration = Duration::from_secs(60);

/// A child process whose output lines arrive on channels; killed when dropped.
pub struct Running {
    /// The process.
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    seen: Vec<String>,
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run netscene");
    let stdout = lines(child.stdout.take().unwrap());
    let stderr = lines(child.stderr.take().unwrap());
    Running {
        stdin: child.stdin.take(),
        child,
        stdout,
        stderr,
        seen: Vec::new(),
    }
}

impl Running {
    /// Waits for a stdout line containing every one of `parts`; returns it.
    pub fn expect_line(&mut self, parts: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if parts.iter().all(|p| line.contains(p)) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    let stderr: Vec<String> = self.stderr.try_iter().collect();
                    panic!(
                        "no line with {parts:?}; stdout so far:\n{}\nstderr:\n{}",
                        self.seen.join("\n"),
                        stderr.join("\n")
                    );
                }
            }
        }
    }

    /// The stdout lines read so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// Reads the stdout lines printed since the last read (never blocks).
    pub fn pump(&mut self) {
        self.seen.extend(self.stdout.try_iter());
    }

    /// Waits until some stdout line, old or new, contains every one of `parts`; returns it.
    pub fn wait_logged(&mut self, parts: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            self.pump();
            let found = self
                .seen
                .iter()
                .find(|line| parts.iter().all(|part| line.contains(part)));
            if let Some(line) = found {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no line with {parts:?}; stdout so far:\n{}",
                self.seen.join("\n")
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin, waits for the exit (bounded); returns the status code and the output.
    pub fn wait(mut self) -> (i32, String, String) {
        self.stdin.take();
        self.wait_keeping_stdin()
    }

    /// Waits for the exit (bounded) with stdin still open.
    pub fn wait_keeping_stdin(mut self) -> (i32, String, String) {
        let deadline = Instant::now() + WAIT * 2;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "netscene did not exit in time");
            thread::sleep(Duration::from_millis(20));
        };
        // The reader threads end with the pipes; collect what is left.
        let mut stdout = std::mem::take(&mut self.seen);
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(5)) {
            stdout.push(line);
        }
        let stderr: Vec<String> = self.stderr.iter().collect();
        (
            status.code().expect("exited, not killed by a signal"),
            stdout.join("\n"),
            stderr.join("\n"),
        )
    }

    pub fn terminate(&self) {
        self.signal("TERM");
    }

    pub fn signal(&self, name: &str) {
        // The shell's own `kill` builtin: no dependency on a procps `kill` binary.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{name} {}", self.child.id())])
            .status()
            .expect("run sh");
        assert!(status.success());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `key=value` number in a log line.
pub fn field(line: &str, key: &str) -> u16 {
    let start = line.find(&format!(" {key}=")).expect("field") + key.len() + 2;
    line[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

pub fn serve(extra: &[&str], env: &[(&str, &str)]) -> (Running, u16) {
    let mut args = vec!["serve", "--port", "0"];
    args.extend_from_slice(extra);
    let mut server = start(&args, env);
    let line = server.expect_line(&["netscene::serve", "listening", "transport="]);
    let port = field(&line, "port");
    (server, port)
}

/// Starts `netscene serve --game arena --transport TRANSPORT` on a free port of 127.0.0.1
/// (plus `extra` flags) and waits until it listens; returns it and the port.
pub fn serve_arena(transport: &str, extra: &[&str]) -> (Running, u16) {
    let mut args = vec![
        "--game",
        "arena",
        "--transport",
        transport,
        "--bind",
        "127.0.0.1",
    ];
    args.extend_from_slice(extra);
    serve(&args, &[])
}

/// Starts a lobby client and waits until it is connected; returns it and its id.
pub fn client(port: u16, name: &str, extra: &[&str]) -> (Running, String) {
    let address = format!("127.0.0.1:{port}");
    let mut args = vec!["connect", address.as_str(), "--name", name];
    args.extend_from_slice(extra);
    let mut client = start(&args, &[]);
    let line = client.expect_line(&["connected as "]);
    let id = line.rsplit(' ').next().unwrap().to_string();
    (client, id)
}
