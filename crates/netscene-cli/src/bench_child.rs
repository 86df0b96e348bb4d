//! A server the bench runs as a child process of this executable (`netscene bench
//! --soak-server ...`, `--memory-server ...`), so its memory and CPU are its own: commands go
//! in on its stdin one line each, answers come back on its stdout, and `/proc` tells its
//! resident memory and CPU time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The lines `reader` yields, read by a thread of their own until it ends (a child's
/// stdout in the bench, the parent's commands on stdin in the child).
pub fn lines_of(reader: impl BufRead + Send + 'static) -> Receiver<String> {
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// The child process and its output lines.
pub struct BenchChild {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    name: &'static str,
}

impl BenchChild {
    /// Starts `netscene bench ARGS`; `name` goes into error messages.
    pub fn start(name: &'static str, args: &[&str]) -> Result<Self, String> {
        Self::start_with_env(name, args, &[])
    }

    /// Starts `netscene bench ARGS` with the environment variables `env` added.
    pub fn start_with_env(
        name: &'static str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let mut child = Command::new(exe)
            .arg("bench")
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the {name}: {e}"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| format!("{name} stdout"))?;
        Ok(Self {
            stdin: child.stdin.take(),
            child,
            lines: lines_of(BufReader::new(stdout)),
            name,
        })
    }

    /// The child's next output line.
    pub fn next_line(&mut self, timeout: Duration) -> Result<String, String> {
        self.lines
            .recv_timeout(timeout)
            .map_err(|_| format!("the {} did not answer", self.name))
    }

    /// Writes one line to the child's stdin.
    pub fn send(&mut self, line: &str) -> Result<(), String> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| format!("{} stdin closed", self.name))?;
        writeln!(stdin, "{line}").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())
    }

    /// Resident memory (KiB) and CPU time (user + system) of the child.
    pub fn sample(&self) -> Option<(u64, Duration)> {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((rss, Duration::from_millis(ticks * 10)))
    }

    /// Closes stdin (the child stops), waits up to 10 s, then kills it by its id.
    pub fn stop(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
