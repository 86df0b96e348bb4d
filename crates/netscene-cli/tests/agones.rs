//! `serve --agones` against an in-process fake of the Agones SDK sidecar: the gRPC services
//! `agones.dev.sdk.SDK` and `agones.dev.sdk.beta.SDK`, generated (build.rs) from the .proto
//! files the `agones` crate ships, served by tonic on 127.0.0.1. The fake records every call;
//! the tests assert the sequence the built binary makes with lobby clients (`netscene
//! connect`) joining and leaving. Without the `agones` feature, `--agones` is refused.

mod support;

use support::*;

#[cfg(not(feature = "agones"))]
#[test]
fn agones_is_refused_without_the_feature() {
    let (code, _, stderr) = start(&["serve", "--port", "0", "--agones"], &[]).wait();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`agones` cargo feature"), "{stderr}");
}

#[cfg(feature = "agones")]
mod fake {
    //! The fake sidecar.

    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    use tokio_stream::Stream;
    use tonic::{Request, Response, Status, Streaming};

    #[allow(clippy::all, missing_docs)]
    pub mod sdk {
        tonic::include_proto!("agones.dev.sdk");
    }
    #[allow(clippy::all, missing_docs, dead_code)]
    pub mod beta {
        tonic::include_proto!("agones.dev.sdk.beta");
    }

    /// The calls received, in order, as short text (`Ready`, `SetLabel key=value`, ...).
    #[derive(Clone, Default)]
    pub struct Calls(Arc<Mutex<Vec<String>>>);

    impl Calls {
        fn push(&self, call: String) {
            self.0.lock().unwrap().push(call);
        }

        pub fn all(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }

        /// Waits (bounded) until `done` holds for the calls; returns them.
        pub fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let calls = self.all();
                if done(&calls) {
                    return calls;
                }
                assert!(Instant::now() < deadline, "no {what}; calls: {calls:?}");
                thread::sleep(Duration::from_millis(20));
            }
        }
    }

    #[derive(Clone)]
    struct Sidecar(Calls);

    type Reply<T> = Result<Response<T>, Status>;

    #[tonic::async_trait]
    impl sdk::sdk_server::Sdk for Sidecar {
        async fn ready(&self, _: Request<sdk::Empty>) -> Reply<sdk::Empty> {
            self.0.push("Ready".into());
            Ok(Response::new(sdk::Empty {}))
        }
        async fn allocate(&self, _: Request<sdk::Empty>) -> Reply<sdk::Empty> {
            self.0.push("Allocate".into());
            Ok(Response::new(sdk::Empty {}))
        }
        async fn shutdown(&self, _: Request<sdk::Empty>) -> Reply<sdk::Empty> {
            self.0.push("Shutdown".into());
            Ok(Response::new(sdk::Empty {}))
        }
        async fn health(&self, request: Request<Streaming<sdk::Empty>>) -> Reply<sdk::Empty> {
            let mut pings = request.into_inner();
            while let Ok(Some(_)) = pings.message().await {
                self.0.push("Health".into());
            }
            Ok(Response::new(sdk::Empty {}))
        }
        async fn get_game_server(&self, _: Request<sdk::Empty>) -> Reply<sdk::GameServer> {
            self.0.push("GetGameServer".into());
            Ok(Response::new(sdk::GameServer::default()))
        }
        type WatchGameServerStream =
            Pin<Box<dyn Stream<Item = Result<sdk::GameServer, Status>> + Send + 'static>>;
        async fn watch_game_server(
            &self,
            _: Request<sdk::Empty>,
        ) -> Reply<Self::WatchGameServerStream> {
            self.0.push("WatchGameServer".into());
            Err(Status::unimplemented("not in the fake"))
        }
        async fn set_label(&self, request: Request<sdk::KeyValue>) -> Reply<sdk::Empty> {
            let kv = request.into_inner();
            self.0.push(format!("SetLabel {}={}", kv.key, kv.value));
            Ok(Response::new(sdk::Empty {}))
        }
        async fn set_annotation(&self, request: Request<sdk::KeyValue>) -> Reply<sdk::Empty> {
            let kv = request.into_inner();
            self.0
                .push(format!("SetAnnotation {}={}", kv.key, kv.value));
            Ok(Response::new(sdk::Empty {}))
        }
        async fn reserve(&self, _: Request<sdk::Duration>) -> Reply<sdk::Empty> {
            self.0.push("Reserve".into());
            Ok(Response::new(sdk::Empty {}))
        }
    }

    #[tonic::async_trait]
    impl beta::sdk_server::Sdk for Sidecar {
        async fn get_counter(&self, _: Request<beta::GetCounterRequest>) -> Reply<beta::Counter> {
            Err(Status::not_found("no counters in the fake"))
        }
        async fn update_counter(
            &self,
            _: Request<beta::UpdateCounterRequest>,
        ) -> Reply<beta::Counter> {
            Err(Status::not_found("no counters in the fake"))
        }
        async fn get_list(&self, request: Request<beta::GetListRequest>) -> Reply<beta::List> {
            self.0
                .push(format!("GetList {}", request.into_inner().name));
            Ok(Response::new(beta::List::default()))
        }
        async fn update_list(
            &self,
            request: Request<beta::UpdateListRequest>,
        ) -> Reply<beta::List> {
            let request = request.into_inner();
            let list = request.list.unwrap_or_default();
            let mask = request.update_mask.map(|m| m.paths).unwrap_or_default();
            self.0.push(format!(
                "UpdateList {} capacity={} mask={}",
                list.name,
                list.capacity,
                mask.join(",")
            ));
            Ok(Response::new(list))
        }
        async fn add_list_value(
            &self,
            request: Request<beta::AddListValueRequest>,
        ) -> Reply<beta::List> {
            let request = request.into_inner();
            self.0
                .push(format!("AddListValue {} {}", request.name, request.value));
            Ok(Response::new(beta::List::default()))
        }
        async fn remove_list_value(
            &self,
            request: Request<beta::RemoveListValueRequest>,
        ) -> Reply<beta::List> {
            let request = request.into_inner();
            self.0.push(format!(
                "RemoveListValue {} {}",
                request.name, request.value
            ));
            Ok(Response::new(beta::List::default()))
        }
    }

    /// A running fake sidecar on 127.0.0.1; stops with the test process.
    pub struct FakeSidecar {
        pub port: u16,
        pub calls: Calls,
    }

    impl FakeSidecar {
        pub fn start() -> Self {
            let calls = Calls::default();
            let sidecar = Sidecar(calls.clone());
            let (tx, rx) = std::sync::mpsc::channel();
            thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    tx.send(listener.local_addr().unwrap().port()).unwrap();
                    tonic::transport::Server::builder()
                        .add_service(sdk::sdk_server::SdkServer::new(sidecar.clone()))
                        .add_service(beta::sdk_server::SdkServer::new(sidecar))
                        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(
                            listener,
                        ))
                        .await
                        .unwrap();
                });
            });
            let port = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("fake sidecar listening");
            Self { port, calls }
        }
    }
}

#[cfg(feature = "agones")]
fn the_calls_but_handshake_and_health(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| *c != "GetGameServer" && *c != "Health")
        .cloned()
        .collect()
}

#[cfg(feature = "agones")]
#[test]
fn ready_health_players_labels_and_shutdown_when_the_server_empties() {
    use fake::FakeSidecar;

    let sidecar = FakeSidecar::start();
    let sidecar_port = sidecar.port.to_string();
    let mut server = start(
        &[
            "serve",
            "--port",
            "0",
            "--max-clients",
            "8",
            "--agones",
            "--agones-shutdown-when-empty",
        ],
        &[("AGONES_SDK_GRPC_PORT", &sidecar_port)],
    );
    let line = server.expect_line(&["netscene::serve", "listening", "transport="]);
    let port = field(&line, "port");
    server.expect_line(&["agones: GameServer Ready"]);
    let version = format!("SetLabel netscene-version={}", env!("CARGO_PKG_VERSION"));
    let announced = vec![
        "SetLabel netscene-transport=enet".to_string(),
        version.clone(),
        "UpdateList players capacity=8 mask=capacity".to_string(),
        "Ready".to_string(),
    ];
    let calls = sidecar.calls.wait_for("Ready and a health ping", |calls| {
        calls.iter().any(|c| c == "Ready") && calls.iter().any(|c| c == "Health")
    });
    assert_eq!(
        calls[0], "GetGameServer",
        "the SDK's handshake first: {calls:?}"
    );
    assert_eq!(the_calls_but_handshake_and_health(&calls), announced);

    let (mut alice, alice_id) = client(port, "alice", &[]);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);
    let (bob, bob_id) = client(port, "bob", &[]);
    alice.expect_line(&["players:", &format!("{bob_id}=bob")]);
    let (code, _, stderr) = bob.wait();
    assert_eq!(code, 0, "{stderr}");
    alice.expect_line(&[&format!("peer disconnected: {bob_id}")]);
    // Health pings keep coming from the game loop (every 2 s).
    sidecar.calls.wait_for("a second health ping", |calls| {
        calls.iter().filter(|c| *c == "Health").count() >= 2
    });
    let (code, _, stderr) = alice.wait();
    assert_eq!(code, 0, "{stderr}");

    // The last player left: the server drains (at once: nobody is left), exits 0 and asks
    // Agones to shut the GameServer down.
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("why=\"every player left\""), "{stdout}");
    let calls = sidecar.calls.all();
    let mut expected = announced;
    expected.extend([
        format!("AddListValue players {alice_id}"),
        format!("AddListValue players {bob_id}"),
        format!("RemoveListValue players {bob_id}"),
        format!("RemoveListValue players {alice_id}"),
        "Shutdown".to_string(),
    ]);
    assert_eq!(the_calls_but_handshake_and_health(&calls), expected);
    let first_health = calls.iter().position(|c| c == "Health").unwrap();
    let ready = calls.iter().position(|c| c == "Ready").unwrap();
    assert!(ready < first_health, "Ready before the pings: {calls:?}");
}

#[cfg(feature = "agones")]
#[test]
fn sigterm_drains_then_shuts_the_gameserver_down() {
    use fake::FakeSidecar;

    let sidecar = FakeSidecar::start();
    let sidecar_port = sidecar.port.to_string();
    let mut server = start(
        &[
            "serve",
            "--port",
            "0",
            "--transport",
            "ws",
            "--agones",
            "--drain-timeout",
            "1",
        ],
        &[("AGONES_SDK_GRPC_PORT", &sidecar_port)],
    );
    let line = server.expect_line(&["netscene::serve", "listening", "transport="]);
    let port = field(&line, "port");
    server.expect_line(&["agones: GameServer Ready"]);
    let (mut alice, alice_id) = client(port, "alice", &["--transport", "ws"]);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);
    server.terminate();
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (code, _, stderr) = alice.wait_keeping_stdin();
    assert_eq!(
        (code, stderr.as_str()),
        (1, "error: connection to the server lost")
    );
    let calls = the_calls_but_handshake_and_health(&sidecar.calls.all());
    assert_eq!(calls[0], "SetLabel netscene-transport=ws", "{calls:?}");
    assert_eq!(
        calls[calls.len() - 2..],
        [
            format!("AddListValue players {alice_id}"),
            "Shutdown".to_string()
        ],
        "{calls:?}"
    );
}
