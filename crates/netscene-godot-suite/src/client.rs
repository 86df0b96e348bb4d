//! One real Godot 4.6 client: the web template running a project in its own headless
//! Chromium process, with every line it prints collected for the test.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::project::GodotProject;
use crate::template::{FIX_COMMAND, chromium_binary};
use crate::web::{Report, WebHost, client_page};

/// Startup errors of the web template that come before any networking and mean nothing:
/// a zip pack has no `.godot/` folder (so no global script cache), and an engine-internal
/// condition some argument lists trip.
const HARMLESS_ERRORS: [&str; 2] = [
    "Could not load global script cache",
    "Condition \"slot >= slot_max\"",
];

/// How a client's browser is started.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// A CA certificate (PEM) the browser trusts, for `wss://` servers with test
    /// certificates. It goes into the NSS certificate database Chromium reads on Linux
    /// (`$HOME/.pki/nssdb`, with `HOME` set to the client's own directory), so the browser
    /// validates the server's chain and name as it would a public CA's, rather than skipping
    /// checks for one certificate by flag.
    pub trusted_ca_pem: Option<String>,
    /// More Chromium flags (after the suite's own), e.g. WebRTC's
    /// `--allow-loopback-in-peer-connection`.
    pub extra_browser_args: Vec<String>,
}

/// A line Godot printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GodotLine {
    /// Printed on stderr (`printerr`, `push_error`, the engine's `ERROR:` lines).
    pub stderr: bool,
    /// The line, without its newline.
    pub text: String,
}

/// A real Godot 4.6 client running `project` in headless Chromium. Killed (with its whole
/// process group) when dropped.
///
/// ```no_run
/// use std::time::Duration;
/// use netscene_godot_suite::{GodotClient, GodotProject};
/// let project = GodotProject::from_dir("godot/smoke");
/// let mut client = GodotClient::launch("alice", &project, &["--port=7000"]);
/// client.wait_for("connected as", Duration::from_secs(30), || { /* poll the server */ });
/// client.assert_clean();
/// ```
pub struct GodotClient {
    name: String,
    id: u64,
    reports: Receiver<Report>,
    transcript: Vec<GodotLine>,
    /// Index in `transcript` from which `wait_for` looks for its next line.
    cursor: usize,
    exit: Option<i32>,
    page_errors: Vec<String>,
    expected_errors: Vec<String>,
    browser: Option<Child>,
    profile: PathBuf,
    options: LaunchOptions,
    /// When the current browser was started.
    started: Instant,
    relaunches: u32,
}

impl GodotClient {
    /// Starts Godot with `project` as its main pack and `user_args` after `--` (they reach
    /// `OS.get_cmdline_user_args()`). Returns at once; Godot starts within a few seconds.
    pub fn launch(name: &str, project: &GodotProject, user_args: &[impl AsRef<str>]) -> Self {
        Self::launch_with(name, project, user_args, &LaunchOptions::default())
    }

    /// [`launch`](Self::launch) with browser options.
    pub fn launch_with(
        name: &str,
        project: &GodotProject,
        user_args: &[impl AsRef<str>],
        options: &LaunchOptions,
    ) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let host = WebHost::get();
        let user_args: Vec<String> = user_args.iter().map(|a| a.as_ref().to_owned()).collect();
        let (sender, reports) = mpsc::channel();
        host.add_client(id, client_page(id, &user_args), project.to_zip(), sender);

        let profile =
            std::env::temp_dir().join(format!("netscene-godot-{}-{id}-{name}", std::process::id()));
        let browser = start_browser(id, &profile, options);
        GodotClient {
            name: name.to_owned(),
            id,
            reports,
            transcript: Vec::new(),
            cursor: 0,
            exit: None,
            page_errors: Vec::new(),
            expected_errors: Vec::new(),
            browser: Some(browser),
            profile,
            options: options.clone(),
            started: Instant::now(),
            relaunches: 0,
        }
    }

    /// A page that printed nothing for [`FIRST_OUTPUT`] never started its engine (seen a few
    /// times on a loaded machine): its browser is started again, at most [`RELAUNCHES`] times.
    /// Returns true when it did so.
    fn relaunch_if_silent(&mut self) -> bool {
        let silent = self.transcript.is_empty() && self.page_errors.is_empty();
        if !silent || self.started.elapsed() < FIRST_OUTPUT || self.relaunches >= RELAUNCHES {
            return false;
        }
        self.relaunches += 1;
        eprintln!(
            "{}: Godot printed nothing in {FIRST_OUTPUT:?}; starting its browser again ({}/{RELAUNCHES}){}",
            self.name,
            self.relaunches,
            browser_log_tail(&self.profile)
        );
        self.stop_browser();
        self.browser = Some(start_browser(self.id, &self.profile, &self.options));
        self.started = Instant::now();
        true
    }

    fn stop_browser(&mut self) {
        if let Some(mut child) = self.browser.take() {
            // Chromium's helpers share its process group (its own, set at launch).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The name given at launch.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes in whatever the page reported since the last call (never blocks).
    pub fn update(&mut self) {
        while let Ok(report) = self.reports.try_recv() {
            match report {
                Report::Out(text) => self.transcript.push(GodotLine {
                    stderr: false,
                    text,
                }),
                Report::Err(text) => self.transcript.push(GodotLine { stderr: true, text }),
                Report::Exit(code) => self.exit = Some(code),
                Report::PageError(text) => self.page_errors.push(text),
            }
        }
    }

    /// Every line printed so far.
    pub fn transcript(&self) -> &[GodotLine] {
        &self.transcript
    }

    /// The stdout lines printed so far.
    pub fn stdout_lines(&self) -> impl Iterator<Item = &str> {
        self.transcript
            .iter()
            .filter(|line| !line.stderr)
            .map(|line| line.text.as_str())
    }

    /// Godot's exit code, once it has quit.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit
    }

    /// Marks error lines containing `needle` as expected: they no longer fail the test (for
    /// negative tests that provoke a Godot error on purpose).
    pub fn expect_error(&mut self, needle: &str) {
        self.expected_errors.push(needle.to_owned());
    }

    /// Godot's error lines so far, without the harmless startup ones and the expected ones;
    /// problems of the page itself (the engine failed to start) count too.
    pub fn godot_errors(&self) -> Vec<String> {
        let mut errors: Vec<String> = self
            .transcript
            .iter()
            .filter(|line| line.stderr && is_error_line(&line.text))
            .filter(|line| !HARMLESS_ERRORS.iter().any(|h| line.text.contains(h)))
            .filter(|line| !self.expected_errors.iter().any(|e| line.text.contains(e)))
            .map(|line| line.text.clone())
            .collect();
        errors.extend(self.page_errors.iter().map(|e| format!("page: {e}")));
        errors
    }

    /// Panics (with the transcript) when Godot printed an error.
    pub fn assert_clean(&mut self) {
        self.update();
        let errors = self.godot_errors();
        assert!(
            errors.is_empty(),
            "{}: Godot reported errors {errors:#?}\n{}",
            self.name,
            self.transcript_text()
        );
    }

    /// Waits for the next stdout line (after the last one a wait matched) containing
    /// `needle`, calling `pump` between looks (poll your server there). Returns the line.
    /// Panics on timeout, on a Godot error line and when Godot quits first.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration, pump: impl FnMut()) -> String {
        self.wait_for_line(needle, |line| line.contains(needle), timeout, pump)
    }

    /// [`wait_for`](Self::wait_for) with a predicate; `what` describes it for the panic.
    pub fn wait_for_line(
        &mut self,
        what: &str,
        matches: impl Fn(&str) -> bool,
        timeout: Duration,
        mut pump: impl FnMut(),
    ) -> String {
        let mut start = Instant::now();
        loop {
            pump();
            self.update();
            if self.relaunch_if_silent() {
                start = Instant::now();
            }
            let found = self.transcript[self.cursor..]
                .iter()
                .position(|line| !line.stderr && matches(&line.text));
            if let Some(offset) = found {
                let index = self.cursor + offset;
                self.cursor = index + 1;
                return self.transcript[index].text.clone();
            }
            self.fail_on_errors(what);
            if let Some(code) = self.exit {
                panic!(
                    "{}: Godot quit (code {code}) before printing {what:?}\n{}",
                    self.name,
                    self.transcript_text()
                );
            }
            self.fail_if_browser_died(what);
            if start.elapsed() > timeout {
                panic!(
                    "{}: no line {what:?} within {timeout:?}\n{}",
                    self.name,
                    self.transcript_text()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits for Godot to quit and returns its exit code (pumping meanwhile). Panics on
    /// timeout and on Godot error lines.
    pub fn wait_exit(&mut self, timeout: Duration, mut pump: impl FnMut()) -> i32 {
        let mut start = Instant::now();
        loop {
            pump();
            self.update();
            if self.relaunch_if_silent() {
                start = Instant::now();
            }
            self.fail_on_errors("its exit");
            if let Some(code) = self.exit {
                return code;
            }
            self.fail_if_browser_died("its exit");
            assert!(
                start.elapsed() <= timeout,
                "{}: Godot did not quit within {timeout:?}\n{}",
                self.name,
                self.transcript_text()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Kills the browser now (the Godot client vanishes as a crashed game would).
    pub fn kill(&mut self) {
        self.stop_browser();
        WebHost::get().remove_client(self.id);
    }

    /// The transcript as text, for failure messages.
    pub fn transcript_text(&self) -> String {
        let mut text = format!("--- {} printed:\n", self.name);
        for line in &self.transcript {
            text.push_str(if line.stderr { "  ! " } else { "    " });
            text.push_str(&line.text);
            text.push('\n');
        }
        for error in &self.page_errors {
            text.push_str(&format!("  page error: {error}\n"));
        }
        text.push_str(&browser_log_tail(&self.profile));
        text
    }

    fn fail_on_errors(&self, waiting_for: &str) {
        let errors = self.godot_errors();
        assert!(
            errors.is_empty(),
            "{}: Godot reported errors while waiting for {waiting_for:?}: {errors:#?}\n{}",
            self.name,
            self.transcript_text()
        );
    }

    fn fail_if_browser_died(&mut self, waiting_for: &str) {
        let status = match self.browser.as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => status,
            _ => return,
        };
        panic!(
            "{}: chromium exited ({status}) while waiting for {waiting_for:?}\n{}",
            self.name,
            self.transcript_text()
        );
    }
}

impl Drop for GodotClient {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = std::fs::remove_file(browser_log(&self.profile));
    }
}

/// How long a page may stay silent before its browser is started again.
const FIRST_OUTPUT: Duration = Duration::from_secs(45);
/// How often a silent page's browser is started again.
const RELAUNCHES: u32 = 2;

/// Starts Chromium on client `id`'s page with a fresh profile; its stderr goes to a log file
/// beside the profile, shown in failure messages.
fn start_browser(id: u64, profile: &Path, options: &LaunchOptions) -> Child {
    let _ = std::fs::remove_dir_all(profile);
    let mut command = Command::new(chromium_binary());
    if let Some(ca_pem) = &options.trusted_ca_pem {
        command.env("HOME", trusting_home(profile, ca_pem));
    }
    let log = std::fs::File::create(browser_log(profile))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    command
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-breakpad",
            "--disable-crash-reporter",
            // Godot's main loop runs on requestAnimationFrame: never throttle it.
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(&options.extra_browser_args)
        .arg(WebHost::get().page_url(id))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start chromium: {e}"))
}

fn browser_log(profile: &Path) -> PathBuf {
    profile.with_extension("chromium.log")
}

/// The last lines Chromium wrote on stderr, for failure messages ("" when none).
fn browser_log_tail(profile: &Path) -> String {
    let Ok(log) = std::fs::read_to_string(browser_log(profile)) else {
        return String::new();
    };
    let lines: Vec<&str> = log.lines().collect();
    let tail = &lines[lines.len().saturating_sub(12)..];
    if tail.is_empty() {
        return String::new();
    }
    format!("\n  chromium's last lines:\n    {}\n", tail.join("\n    "))
}

/// A home directory whose NSS database (what Chromium trusts on Linux) holds `ca_pem`.
fn trusting_home(profile: &Path, ca_pem: &str) -> PathBuf {
    let home = profile.join("home");
    let database = home.join(".pki/nssdb");
    std::fs::create_dir_all(&database).expect("NSS database dir");
    let ca_file = home.join("test-ca.pem");
    std::fs::write(&ca_file, ca_pem).expect("write the test CA");
    let database_arg = format!("sql:{}", database.display());
    let ca_arg = ca_file.display().to_string();
    let steps: [&[&str]; 2] = [
        &["-N", "--empty-password"],
        &["-A", "-t", "C,,", "-n", "netscene test CA", "-i", &ca_arg],
    ];
    for step in steps {
        let status = Command::new("certutil")
            .arg("-d")
            .arg(&database_arg)
            .args(step)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "certutil (libnss3-tools) is needed to trust a test CA ({e}); run {FIX_COMMAND}"
                )
            });
        assert!(status.success(), "certutil {step:?} failed: {status}");
    }
    home
}

/// Godot's error lines: engine errors, script errors and `push_error`.
fn is_error_line(text: &str) -> bool {
    let text = text.trim_start();
    ["ERROR:", "SCRIPT ERROR:", "USER ERROR:"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
}

/// Calls `step` (1 ms apart) until it returns true; panics with `what` after `timeout`.
pub fn pump_until(what: &str, timeout: Duration, mut step: impl FnMut() -> bool) {
    let start = Instant::now();
    while !step() {
        assert!(start.elapsed() <= timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_recognised() {
        assert!(is_error_line("ERROR: The rpc node checksum failed."));
        assert!(is_error_line("SCRIPT ERROR: Invalid call."));
        assert!(is_error_line("USER ERROR: boom"));
        assert!(!is_error_line(
            "   at: get_global_class_list (core/x.cpp:1)"
        ));
        assert!(!is_error_line("WARNING: something"));
        assert!(!is_error_line("FAIL something"));
    }
}
