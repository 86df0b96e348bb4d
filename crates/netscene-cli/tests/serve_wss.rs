//! `netscene serve` for browser games: `wss://` from certificate files (renewed on SIGHUP
//! without dropping players), allowed page origins, and clear failures for bad files.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use netscene_godot_suite::{PkiFiles, TestPki};
use support::*;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netscene-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn wss_serve(files: &PkiFiles) -> (Running, u16) {
    let args = [
        "--transport",
        "ws",
        "--tls-cert",
        path(&files.cert),
        "--tls-key",
        path(&files.key),
    ];
    serve(&args, &[])
}

/// A lobby client of `wss://localhost:{port}` trusting `ca`.
fn wss_client(port: u16, name: &str, ca: &Path) -> Running {
    let url = format!("wss://localhost:{port}");
    let args = [
        "connect",
        &url,
        "--name",
        name,
        "--tls-ca",
        path(ca),
        "--connect-timeout",
        "5",
    ];
    start(&args, &[])
}

#[test]
fn wss_lobby_with_a_test_ca_survives_certificate_renewal() {
    let dir = temp_dir("wss-renewal");
    let first = TestPki::new("first CA");
    let first_ca = dir.join("first-ca.pem");
    std::fs::write(&first_ca, &first.ca_pem).unwrap();
    let files = first.write_to(&dir);
    let (mut server, port) = wss_serve(&files);
    let serving = server.seen().iter().find(|l| l.contains("serving wss://"));
    assert!(
        serving.is_some_and(|l| l.contains("expires=4096-01-01T00:00:00Z")),
        "the start names the certificate's expiry: {:?}",
        server.seen()
    );

    let mut alice = wss_client(port, "alice", &first_ca);
    let alice_id = alice.expect_line(&["connected as "]);
    let alice_id = alice_id.rsplit(' ').next().unwrap().to_owned();
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);

    // Renewal: new files from another CA, then SIGHUP.
    let second = TestPki::new("second CA");
    second.write_to(&dir);
    server.signal("HUP");
    server.expect_line(&["certificate reloaded", "expires="]);

    let mut bob = wss_client(port, "bob", &files.ca);
    bob.expect_line(&["connected as "]);
    let stale = wss_client(port, "stale", &first_ca);
    let (code, _, stderr) = stale.wait_keeping_stdin();
    assert_eq!(
        code, 1,
        "a client trusting only the old CA is refused: {stderr}"
    );

    // Alice, connected before the renewal, still chats with bob.
    alice.send("still here");
    bob.expect_line(&[&format!("[chat] alice ({alice_id}): still here")]);

    // A broken renewal keeps the certificate in use.
    std::fs::write(&files.cert, "not a certificate").unwrap();
    server.signal("HUP");
    server.expect_line(&["certificate reload failed", "keeping the old certificate"]);
    let mut carol = wss_client(port, "carol", &files.ca);
    carol.expect_line(&["connected as "]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The HTTP status of a WebSocket upgrade sent with `origin` (or none).
fn upgrade_status(port: u16, origin: Option<&str>) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{origin}\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    String::from_utf8_lossy(&head[9..12]).into_owned()
}

#[test]
fn only_allowed_origins_reach_the_server() {
    let origins = [
        "--transport",
        "ws",
        "--allowed-origin",
        "https://game.example.com",
        "--allowed-origin",
        "https://beta.example.com",
    ];
    let (_server, port) = serve(&origins, &[]);
    assert_eq!(
        upgrade_status(port, Some("https://game.example.com")),
        "101"
    );
    assert_eq!(
        upgrade_status(port, Some("https://beta.example.com")),
        "101"
    );
    assert_eq!(
        upgrade_status(port, Some("https://evil.example.net")),
        "403"
    );
    assert_eq!(
        upgrade_status(port, None),
        "101",
        "native clients send no Origin"
    );

    // The same list from the environment, comma-separated.
    let env = [(
        "NETSCENE_ALLOWED_ORIGINS",
        "https://a.example,https://b.example",
    )];
    let (_server, port) = serve(&["--transport", "ws"], &env);
    assert_eq!(upgrade_status(port, Some("https://b.example")), "101");
    assert_eq!(
        upgrade_status(port, Some("https://game.example.com")),
        "403"
    );
}

#[test]
fn unusable_certificate_files_stop_serve_with_one_line_and_status_2() {
    let dir = temp_dir("wss-bad-files");
    let good = TestPki::new("good CA").write_to(&dir.join("good"));
    let other = TestPki::new("other CA").write_to(&dir.join("other"));
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "hello").unwrap();
    let missing = dir.join("missing.pem");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--tls-cert", path(&missing), "--tls-key", path(&good.key)],
            "cannot read --tls-cert",
        ),
        (
            &["--tls-cert", path(&garbage), "--tls-key", path(&good.key)],
            "no PEM certificate",
        ),
        (
            &["--tls-cert", path(&good.cert), "--tls-key", path(&garbage)],
            "no usable PEM private key",
        ),
        (
            &[
                "--tls-cert",
                path(&good.cert),
                "--tls-key",
                path(&other.key),
            ],
            "does not fit --tls-cert",
        ),
        (&["--tls-cert", path(&good.cert)], "--tls-key"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["serve", "--port", "0", "--transport", "ws"];
        args.extend_from_slice(flags);
        let (code, stdout, stderr) = start(&args, &[]).wait();
        assert_eq!(code, 2, "{flags:?}: {stdout}\n{stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{flags:?}: {stderr}");
        assert!(
            !stdout.contains("listening"),
            "{flags:?} must not listen: {stdout}"
        );
    }
    // TLS is for WebSocket only.
    let args = [
        "serve",
        "--port",
        "0",
        "--tls-cert",
        path(&good.cert),
        "--tls-key",
        path(&good.key),
    ];
    let (code, _, stderr) = start(&args, &[]).wait();
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: --tls-cert, --tls-key and --allowed-origin need --transport ws"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
