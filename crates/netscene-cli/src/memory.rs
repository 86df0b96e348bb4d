//! `netscene bench --game memory`: the server's memory per ENet peer slot and per connected
//! client, for ENet alone and for the whole stack (ENet + SceneMultiplayer + the scene tree),
//! measured as the resident memory of a server child process (`bench --memory-server`)
//! before its host exists, once the host has its slots, once a first quarter of the clients
//! connected, and once all did; every client makes one RPC over the whole stack (so the path
//! cache holds an entry per client).
//!
//! A client's cost is the growth from the first quarter to all of them: the first clients
//! also pay what the process allocates once (an allocator's first pages of each size, tables
//! sized for the first entries), which is not a cost per client and is reported apart.

use std::io::Write;
use std::sync::mpsc::TryRecvError;
use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::MultiplayerPeer;
use netscene::{MultiplayerEvent, SceneMultiplayer, SceneTree};
use netscene_enet::{ENetClientGroup, ENetMultiplayerPeer, ServerOptions};

use crate::bench_child::{BenchChild, lines_of};
use crate::pacing::sleep_rest_of_tick;

/// What runs in the server child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MemoryStack {
    /// An `ENetMultiplayerPeer` server alone.
    Enet,
    /// The ENet server under SceneMultiplayer and a scene tree with the bench node.
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

/// Runs the measurement for both stacks and prints the table.
pub fn run(clients: usize) -> Result<bool, String> {
    out!("netscene bench --game memory: {clients} ENet clients, server resident memory");
    let connecting = Connecting::new(clients);
    let enet = measure(MemoryStack::Enet, connecting)?;
    let scene = measure(MemoryStack::Scene, connecting)?;
    out!();
    out!(
        "  stack                       per slot   per connected client   once (first {} clients)",
        connecting.first
    );
    for (name, f) in [("ENet alone", &enet), ("ENet + SceneMultiplayer", &scene)] {
        out!(
            "  {name:<27} {:>6.0} B   {:>18.0} B   {:>10.2} MiB",
            connecting.per_slot(f),
            connecting.per_client(f),
            connecting.once(f) / (1024.0 * 1024.0)
        );
    }
    let above = connecting.per_slot(&scene) + connecting.per_client(&scene)
        - connecting.per_slot(&enet)
        - connecting.per_client(&enet);
    out!(
        "  whole stack above ENet's own: {:.2} KiB per client (slot + connection)",
        above / 1024.0
    );
    Ok(true)
}

fn measure(stack: MemoryStack, connecting: Connecting) -> Result<Footprint, String> {
    let mut server = MemoryServer::start(stack, connecting.clients)?;
    let before_host = server.rss()?;
    let port: u16 = server
        .command("host", Duration::from_secs(30))?
        .strip_prefix("listening port=")
        .and_then(|p| p.parse().ok())
        .ok_or("the memory server did not give its port")?;
    let with_slots = server.rss()?;
    let group =
        ENetClientGroup::new("127.0.0.1", port, connecting.clients).map_err(|e| e.to_string())?;
    group
        .set_socket_buffer_size(crate::transport::SERVER_SOCKET_BUFFER)
        .map_err(|e| e.to_string())?;
    let mut clients = Vec::with_capacity(connecting.clients);
    connect_and_call(stack, &group, connecting.first, &mut clients, &mut server)?;
    let first_connected = server.rss()?;
    let rest = connecting.clients - connecting.first;
    connect_and_call(stack, &group, rest, &mut clients, &mut server)?;
    let connected = server.rss()?;
    server.stop();
    Ok(Footprint {
        before_host,
        with_slots,
        first_connected,
        connected,
    })
}

/// Connects `more` bench clients on `group` next to the connected `clients`; over the whole
/// stack each makes one ping and waits for its pong. Returns once the server counts them all.
fn connect_and_call(
    stack: MemoryStack,
    group: &ENetClientGroup,
    more: usize,
    clients: &mut Vec<MemoryClient>,
    server: &mut MemoryServer,
) -> Result<(), String> {
    for _ in 0..more {
        let peer = group.connect().map_err(|e| e.to_string())?;
        let mut mp = SceneMultiplayer::new();
        mp.set_multiplayer_peer(Some(Box::new(peer)))
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
        group.service();
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
                    MemoryStack::Enet => true,
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
        group.flush();
        done = clients.iter().filter(|c| c.finished).count();
        thread::sleep(Duration::from_millis(2));
    }
    // A client counts itself connected when the server's VERIFY_CONNECT arrives; the server
    // counts it when the acknowledgement of that arrives, a moment later.
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
        group.service();
        group.flush();
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

/// The server child process.
struct MemoryServer(BenchChild);

impl MemoryServer {
    fn start(stack: MemoryStack, clients: usize) -> Result<Self, String> {
        let stack = match stack {
            MemoryStack::Enet => "enet",
            MemoryStack::Scene => "scene",
        };
        let clients = clients.to_string();
        let mut child = BenchChild::start(
            "memory server",
            &["--memory-server", stack, "--clients", &clients],
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
pub fn serve(stack: MemoryStack, clients: usize) -> Result<(), String> {
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
                let mut started = Server::start(stack, clients)?;
                say(&format!("listening port={}", started.port()?)).map_err(|e| e.to_string())?;
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
    Enet(ENetMultiplayerPeer),
    Scene(SceneTree),
}

impl Server {
    fn start(stack: MemoryStack, clients: usize) -> Result<Self, String> {
        let mut peer = ENetMultiplayerPeer::new();
        peer.create_server_with(ServerOptions {
            max_clients: clients,
            bind_ip: Some("127.0.0.1".parse().expect("an IP")),
            ..ServerOptions::new(0)
        })
        .map_err(|e| e.to_string())?;
        // As `serve` and `bench` do: 4 095 connection requests arrive at once.
        peer.set_socket_buffer_size(crate::transport::SERVER_SOCKET_BUFFER)
            .map_err(|e| e.to_string())?;
        Ok(match stack {
            MemoryStack::Enet => Self::Enet(peer),
            MemoryStack::Scene => {
                let mut mp = SceneMultiplayer::new();
                mp.set_server_relay_enabled(false)
                    .map_err(|e| e.to_string())?;
                mp.set_multiplayer_peer(Some(Box::new(peer)))
                    .map_err(|e| e.to_string())?;
                let mut tree = SceneTree::with_multiplayer(Box::new(mp));
                crate::bench::install_bench_node(&mut tree, true);
                Self::Scene(tree)
            }
        })
    }

    fn enet(&mut self) -> Option<&ENetMultiplayerPeer> {
        match self {
            Self::Enet(peer) => Some(peer),
            Self::Scene(tree) => tree
                .multiplayer("")?
                .get_multiplayer_peer()
                .and_then(|p| (p as &dyn std::any::Any).downcast_ref()),
        }
    }

    fn port(&mut self) -> Result<u16, String> {
        self.enet()
            .and_then(ENetMultiplayerPeer::local_port)
            .ok_or_else(|| "the server has no port".to_string())
    }

    fn peers(&mut self) -> usize {
        self.enet().map_or(0, |peer| peer.peer_ids().len())
    }

    fn poll(&mut self) {
        match self {
            Self::Enet(peer) => {
                peer.poll();
                while peer.pop_event().is_some() {}
                while peer.get_packet().is_some() {}
            }
            Self::Scene(tree) => {
                let _ = tree.poll();
                let _ = tree.drain_events("");
            }
        }
    }
}
