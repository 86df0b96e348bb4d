//! `netscene bench --game memory`: the server's memory per peer slot and per connected client,
//! for the transport alone (ENet or WebSocket) and for the whole stack (the transport +
//! SceneMultiplayer + the scene tree),
//! measured as the resident memory of a server child process (`bench --memory-server`)
//! before its host exists, once the host has its slots, once a first quarter of the clients
//! connected, and once all did; every client makes one RPC over the whole stack (so the path
//! cache holds an entry per client).
//!
//! A client's cost is the growth from the first quarter to all of them: the first clients
//! also pay what the process allocates once (an allocator's first pages of each size, tables
//! sized for the first entries), which is not a cost per client and is reported apart. The
//! child's allocator is told to hold no more than the heap needs (see
//! [`ALLOCATOR_FOLLOWS_THE_HEAP`]).

use std::io::Write;
use std::sync::mpsc::TryRecvError;
use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::{MultiplayerPeer, PeerEvent};
use netscene::{MultiplayerEvent, SceneMultiplayer, SceneTree};
use netscene_enet::ENetClientGroup;

use crate::bench_child::{BenchChild, lines_of};
use crate::pacing::sleep_rest_of_tick;
use crate::transport::{self, Endpoint, TransportKind};

/// What runs in the server child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MemoryStack {
    /// The transport's server peer alone (`ENetMultiplayerPeer`, `WebSocketMultiplayerPeer`).
    Peer,
    /// The server peer under SceneMultiplayer and a scene tree with the bench node.
    Scene,
}

/// Resident memory of one server, in KiB, at the four moments.
struct Footprint {
    before_host: u64,
    with_slots: u64,
    first_connected: u64,
    connected: u64,
}

/// How the clients connect: a first quarter, then the rest.
#[derive(Debug, Clone, Copy)]
struct Connecting {
    clients: usize,
    first: usize,
}

impl Connecting {
    fn new(clients: usize) -> Self {
        Self {
            clients,
            first: (clients / 4).max(1),
        }
    }

    /// Bytes per slot of the host.
    fn per_slot(&self, f: &Footprint) -> f64 {
        kib_to_bytes(f.with_slots.saturating_sub(f.before_host)) / self.clients as f64
    }

    /// Bytes per client after the first quarter (all of them when there is no more).
    fn per_client(&self, f: &Footprint) -> f64 {
        match self.clients - self.first {
            0 => kib_to_bytes(f.first_connected.saturating_sub(f.with_slots)) / self.first as f64,
            rest => kib_to_bytes(f.connected.saturating_sub(f.first_connected)) / rest as f64,
        }
    }

    /// Bytes the first quarter took beyond their cost per client: allocated once.
    fn once(&self, f: &Footprint) -> f64 {
        kib_to_bytes(f.first_connected.saturating_sub(f.with_slots))
            - self.per_client(f) * self.first as f64
    }
}

fn kib_to_bytes(kib: u64) -> f64 {
    kib as f64 * 1024.0
}

/// The transport's name in the table.
fn transport_name(transport: TransportKind) -> &'static str {
    match transport {
        TransportKind::Enet => "ENet",
        TransportKind::Ws => "WebSocket",
        TransportKind::Sim => "simulated",
    }
}

/// Runs the measurement for both stacks over `transport` (ENet or WebSocket) and prints the
/// table.
pub fn run(transport: TransportKind, clients: usize) -> Result<bool, String> {
    if transport == TransportKind::Sim {
        return Err("--game memory measures a network transport: ENet or WebSocket".into());
    }
    let name = transport_name(transport);
    out!("netscene bench --game memory: {clients} {name} clients, server resident memory");
    let connecting = Connecting::new(clients);
    let alone = measure(MemoryStack::Peer, transport, connecting)?;
    let scene = measure(MemoryStack::Scene, transport, connecting)?;
    out!();
    out!(
        "  stack                          per slot   per connected client   once (first {} clients)",
        connecting.first
    );
    let rows = [
        (format!("{name} alone"), &alone),
        (format!("{name} + SceneMultiplayer"), &scene),
    ];
    for (stack, f) in rows {
        out!(
            "  {stack:<30} {:>6.0} B   {:>18.0} B   {:>10.2} MiB",
            connecting.per_slot(f),
            connecting.per_client(f),
            connecting.once(f) / (1024.0 * 1024.0)
        );
    }
    let above = connecting.per_slot(&scene) + connecting.per_client(&scene)
        - connecting.per_slot(&alone)
        - connecting.per_client(&alone);
    out!(
        "  whole stack above {name}'s own: {:.2} KiB per client (slot + connection)",
        above / 1024.0
    );
    Ok(true)
}

fn measure(
    stack: MemoryStack,
    transport: TransportKind,
    connecting: Connecting,
) -> Result<Footprint, String> {
    let mut server = MemoryServer::start(stack, transport, connecting.clients)?;
    let before_host = server.rss()?;
    let port: u16 = server
        .command("host", Duration::from_secs(30))?
        .strip_prefix("listening port=")
        .and_then(|p| p.parse().ok())
        .ok_or("the memory server did not give its port")?;
    let with_slots = server.rss()?;
    let clients = Clients::new(transport, port, connecting.clients)?;
    let mut connected = Vec::with_capacity(connecting.clients);
    connect_and_call(
        stack,
        &clients,
        connecting.first,
        &mut connected,
        &mut server,
    )?;
    let first_connected = server.rss()?;
    let rest = connecting.clients - connecting.first;
    connect_and_call(stack, &clients, rest, &mut connected, &mut server)?;
    let connected = server.rss()?;
    server.stop();
    Ok(Footprint {
        before_host,
        with_slots,
        first_connected,
        connected,
    })
}

/// Where the measurement's clients come from: over ENet one client group (one host and
/// socket, still one connection and Godot peer id per client), over WebSocket one connection
/// each.
enum Clients {
    Enet(ENetClientGroup),
    Ws(Endpoint),
}

impl Clients {
    fn new(transport: TransportKind, port: u16, count: usize) -> Result<Self, String> {
        let host = "127.0.0.1".to_string();
        match transport {
            TransportKind::Enet => {
                let group = ENetClientGroup::new(&host, port, count).map_err(|e| e.to_string())?;
                group
                    .set_socket_buffer_size(transport::SERVER_SOCKET_BUFFER)
                    .map_err(|e| e.to_string())?;
                Ok(Self::Enet(group))
            }
            TransportKind::Ws | TransportKind::Sim => Ok(Self::Ws(Endpoint::Ws {
                host,
                port,
                tls: None,
            })),
        }
    }

    fn connect(&self) -> Result<Box<dyn MultiplayerPeer>, String> {
        match self {
            Self::Enet(group) => Ok(Box::new(group.connect().map_err(|e| e.to_string())?)),
            Self::Ws(endpoint) => transport::start_client(endpoint),
        }
    }

    /// Receives for every client (a client group's shared socket; a WebSocket client reads
    /// its own in its poll).
    fn service(&self) {
        if let Self::Enet(group) = self {
            group.service();
        }
    }

    /// Sends what the clients queued.
    fn flush(&self) {
        if let Self::Enet(group) = self {
            group.flush();
        }
    }
}

/// Connects `more` bench clients next to the connected `clients`; over the whole stack each
/// makes one ping and waits for its pong. Returns once the server counts them all.
fn connect_and_call(
    stack: MemoryStack,
    source: &Clients,
    more: usize,
    clients: &mut Vec<MemoryClient>,
    server: &mut MemoryServer,
) -> Result<(), String> {
    for _ in 0..more {
        let peer = source.connect()?;
        let mut mp = SceneMultiplayer::new();
        mp.set_multiplayer_peer(Some(peer))
            .map_err(|e| e.to_string())?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let node = crate::bench::install_bench_node(&mut tree, false);
        clients.push(MemoryClient {
            tree,
            node,
            connected: false,
            pinged: None,
            finished: false,
        });
    }
    let total = clients.len();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut done = 0;
    while done < total {
        if Instant::now() > deadline {
            return Err(format!("only {done} of {total} clients finished in 60 s"));
        }
        source.service();
        for client in clients.iter_mut() {
            let _ = client.tree.poll();
            for event in client.tree.drain_events("") {
                match event {
                    MultiplayerEvent::ConnectedToServer => client.connected = true,
                    MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                        return Err(format!(
                            "{stack:?}: a client got {event:?} after {done} of {total} finished"
                        ));
                    }
                    _ => {}
                }
            }
            client.finished = client.connected
                && match stack {
                    MemoryStack::Peer => true,
                    MemoryStack::Scene => client
                        .tree
                        .node(client.node)
                        .and_then(|n| n.state::<crate::stats::LatencySamples>())
                        .is_some_and(|samples| samples.len() > 0),
                };
            // A ping whose pong is late (a busy server) is sent again.
            if stack == MemoryStack::Scene
                && client.connected
                && !client.finished
                && client
                    .pinged
                    .is_none_or(|at| at.elapsed() > Duration::from_secs(2))
            {
                let _ = client
                    .tree
                    .rpc_id(client.node, 1, "ping", &[0.into(), 0.into()]);
                client.pinged = Some(Instant::now());
            }
        }
        source.flush();
        done = clients.iter().filter(|c| c.finished).count();
        thread::sleep(Duration::from_millis(2));
    }
    // An ENet client counts itself connected when the server's VERIFY_CONNECT arrives; the
    // server counts it when the acknowledgement of that arrives, a moment later.
    let expected = format!("peers {total}");
    loop {
        let answer = server.command("peers", Duration::from_secs(10))?;
        if answer == expected {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the memory server reported {answer:?}, not {expected:?}"
            ));
        }
        source.service();
        for client in clients.iter_mut() {
            let _ = client.tree.poll();
        }
        source.flush();
        thread::sleep(Duration::from_millis(20));
    }
}

/// One client of the measurement.
struct MemoryClient {
    tree: SceneTree,
    node: netscene::NodeId,
    connected: bool,
    pinged: Option<Instant>,
    finished: bool,
}

/// mimalloc's settings for the server child, so that its resident memory follows what the
/// stack holds: no committing of whole arena chunks ahead of use, and freed pages returned at
/// once. With the defaults the resident memory moves in steps of megabytes, and one size
/// measured 1.6 to 5.4 KiB per client from run to run.
const ALLOCATOR_FOLLOWS_THE_HEAP: &[(&str, &str)] = &[
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_PURGE_DELAY", "0"),
];

/// The server child process.
struct MemoryServer(BenchChild);

impl MemoryServer {
    fn start(stack: MemoryStack, transport: TransportKind, clients: usize) -> Result<Self, String> {
        let stack = match stack {
            MemoryStack::Peer => "peer",
            MemoryStack::Scene => "scene",
        };
        let transport = transport.to_string();
        let clients = clients.to_string();
        let mut child = BenchChild::start_with_env(
            "memory server",
            &[
                "--memory-server",
                stack,
                "--transport",
                &transport,
                "--clients",
                &clients,
            ],
            ALLOCATOR_FOLLOWS_THE_HEAP,
        )?;
        let ready = child.next_line(Duration::from_secs(30))?;
        if ready != "ready" {
            return Err(format!("unexpected memory server line {ready:?}"));
        }
        Ok(Self(child))
    }

    fn command(&mut self, command: &str, timeout: Duration) -> Result<String, String> {
        self.0.send(command)?;
        self.0.next_line(timeout)
    }

    /// Resident memory in KiB.
    fn rss(&self) -> Result<u64, String> {
        self.0
            .sample()
            .map(|(rss, _)| rss)
            .ok_or_else(|| "no VmRSS in /proc".to_string())
    }

    fn stop(self) {
        self.0.stop();
    }
}

/// The child: `ready`; on `host` it creates the server and answers `listening port=P`; on
/// `peers` it answers the connected count; it polls every tick until stdin closes.
pub fn serve(stack: MemoryStack, transport: TransportKind, clients: usize) -> Result<(), String> {
    let lines = lines_of(std::io::BufReader::new(std::io::stdin()));
    let say = |line: &str| {
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{line}").and_then(|()| stdout.flush())
    };
    say("ready").map_err(|e| e.to_string())?;
    let mut server: Option<Server> = None;
    loop {
        let began = Instant::now();
        match lines.try_recv() {
            Ok(line) if line == "host" => {
                let (started, port) = Server::start(stack, transport, clients)?;
                say(&format!("listening port={port}")).map_err(|e| e.to_string())?;
                server = Some(started);
            }
            Ok(line) if line == "peers" => {
                let peers = server.as_mut().map_or(0, Server::peers);
                say(&format!("peers {peers}")).map_err(|e| e.to_string())?;
            }
            Ok(_) | Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => return Ok(()),
        }
        if let Some(server) = &mut server {
            server.poll();
        }
        sleep_rest_of_tick(began);
    }
}

enum Server {
    Peer {
        peer: Box<dyn MultiplayerPeer>,
        connected: usize,
    },
    Scene(Box<SceneTree>),
}

impl Server {
    /// Starts the server (as `serve` and `bench` do: for ENet, the large socket buffers that
    /// 4 095 connection requests arriving at once need) and returns it with its port.
    fn start(
        stack: MemoryStack,
        transport: TransportKind,
        clients: usize,
    ) -> Result<(Self, u16), String> {
        let (peer, endpoint) = transport::start_server(transport, "127.0.0.1", 0, clients, None)?;
        let port = match endpoint {
            Endpoint::Enet { port, .. } | Endpoint::Ws { port, .. } => port,
            Endpoint::Sim(_) => return Err("--game memory measures a network transport".into()),
        };
        let server = match stack {
            MemoryStack::Peer => Self::Peer { peer, connected: 0 },
            MemoryStack::Scene => {
                let mut mp = SceneMultiplayer::new();
                mp.set_server_relay_enabled(false)
                    .map_err(|e| e.to_string())?;
                mp.set_multiplayer_peer(Some(peer))
                    .map_err(|e| e.to_string())?;
                let mut tree = SceneTree::with_multiplayer(Box::new(mp));
                crate::bench::install_bench_node(&mut tree, true);
                Self::Scene(Box::new(tree))
            }
        };
        Ok((server, port))
    }

    fn peers(&mut self) -> usize {
        match self {
            Self::Peer { connected, .. } => *connected,
            Self::Scene(tree) => tree.multiplayer("").map_or(0, |mp| mp.get_peers().len()),
        }
    }

    fn poll(&mut self) {
        match self {
            Self::Peer { peer, connected } => {
                peer.poll();
                while let Some(event) = peer.pop_event() {
                    match event {
                        PeerEvent::PeerConnected(_) => *connected += 1,
                        PeerEvent::PeerDisconnected(_) => *connected = connected.saturating_sub(1),
                        _ => {}
                    }
                }
                while peer.get_packet().is_some() {}
            }
            Self::Scene(tree) => {
                let _ = tree.poll();
                let _ = tree.drain_events("");
            }
        }
    }
}
