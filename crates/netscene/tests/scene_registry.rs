//! The default-interface registry and a user extension (Godot's MultiplayerAPIExtension)
//! that logs and forwards to SceneMultiplayer. One test: the registry is process-wide.

use std::any::Any;
use std::sync::{Arc, Mutex};

use netscene::peer::MultiplayerPeer;
use netscene::{
    MultiplayerApi, MultiplayerError, MultiplayerEvent, NodeId, PeerId, RpcConfig,
    SceneMultiplayer, SceneTree, Variant, create_default_interface, get_default_interface,
    register_interface, set_default_interface,
};

/// Logs every call, forwards to an inner SceneMultiplayer.
struct LoggingMultiplayer {
    inner: SceneMultiplayer,
    log: Arc<Mutex<Vec<String>>>,
}

impl LoggingMultiplayer {
    fn note(&self, what: String) {
        self.log.lock().unwrap().push(what);
    }
}

impl MultiplayerApi for LoggingMultiplayer {
    fn set_multiplayer_peer(
        &mut self,
        peer: Option<Box<dyn MultiplayerPeer>>,
    ) -> Result<(), MultiplayerError> {
        self.note("set_multiplayer_peer".into());
        self.inner.set_multiplayer_peer(peer)
    }
    fn get_multiplayer_peer(&self) -> Option<&dyn MultiplayerPeer> {
        self.inner.get_multiplayer_peer()
    }
    fn get_multiplayer_peer_mut(&mut self) -> Option<&mut dyn MultiplayerPeer> {
        self.inner.get_multiplayer_peer_mut()
    }
    fn get_peers(&self) -> Vec<PeerId> {
        self.inner.get_peers()
    }
    fn get_unique_id(&self) -> PeerId {
        self.inner.get_unique_id()
    }
    fn get_remote_sender_id(&self) -> PeerId {
        self.inner.get_remote_sender_id()
    }
    fn object_configuration_add(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        self.note(format!("configure {configuration:?}"));
        self.inner.object_configuration_add(object, configuration)
    }
    fn object_configuration_remove(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        self.inner
            .object_configuration_remove(object, configuration)
    }
    fn poll(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError> {
        self.inner.poll(tree)
    }
    fn rpc(
        &mut self,
        tree: &mut SceneTree,
        peer: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        self.note(format!("rpc {peer} {method} {}", args.len()));
        self.inner.rpc(tree, peer, node, method, args)
    }
    fn pop_event(&mut self) -> Option<MultiplayerEvent> {
        let e = self.inner.pop_event()?;
        self.note(format!("event {e:?}"));
        Some(e)
    }
}

#[test]
fn registry_and_a_logging_extension() {
    assert_eq!(get_default_interface().as_str(), "SceneMultiplayer");
    let api = create_default_interface();
    assert!((api.as_ref() as &dyn Any).is::<SceneMultiplayer>());
    assert!(set_default_interface("Nope").is_err());

    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let factory_log = log.clone();
    register_interface("LoggingMultiplayer", move || {
        Box::new(LoggingMultiplayer {
            inner: SceneMultiplayer::new(),
            log: factory_log.clone(),
        }) as Box<dyn MultiplayerApi>
    });
    set_default_interface("LoggingMultiplayer").unwrap();
    assert_eq!(get_default_interface().as_str(), "LoggingMultiplayer");
    // A new tree's default API is now the extension; it was given its root path.
    let mut tree = SceneTree::new();
    assert!(
        tree.multiplayer("")
            .map(|a| (a as &mut dyn Any).is::<LoggingMultiplayer>())
            .unwrap()
    );
    assert_eq!(
        log.lock().unwrap().as_slice(),
        ["configure NodePath(^\"/root\")"]
    );
    set_default_interface("SceneMultiplayer").unwrap();
    drop(tree);

    // The extension replaces SceneMultiplayer for one branch and still talks Godot's wire.
    let net = netscene::peer::simulated::SimulatedNetwork::new(1);
    let mut tree = SceneTree::new();
    let mut server = LoggingMultiplayer {
        inner: SceneMultiplayer::new(),
        log: log.clone(),
    };
    server
        .set_multiplayer_peer(Some(Box::new(net.create_server().unwrap())))
        .unwrap();
    tree.set_multiplayer(Box::new(server), "/root/server")
        .unwrap();
    let client = SceneMultiplayer::with_peer(Box::new(net.create_client())).unwrap();
    tree.set_multiplayer(Box::new(client), "/root/client")
        .unwrap();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut nodes = Vec::new();
    for branch in ["/root/server", "/root/client"] {
        let n = tree.add_path(&format!("{branch}/Hello")).unwrap();
        let got = got.clone();
        tree.on_rpc(
            n,
            "greet",
            RpcConfig::authority(),
            move |_, (s,): (String,)| got.lock().unwrap().push(s),
        )
        .unwrap();
        nodes.push(n);
    }
    for _ in 0..5 {
        net.advance(std::time::Duration::from_millis(10));
        tree.poll().unwrap();
    }
    tree.rpc(nodes[0], "greet", &netscene::args!["hello"])
        .unwrap();
    for _ in 0..5 {
        net.advance(std::time::Duration::from_millis(10));
        tree.poll().unwrap();
    }
    assert_eq!(*got.lock().unwrap(), ["hello"]);
    let events = tree.drain_events("/root/server");
    assert_eq!(events.len(), 1, "{events:?}");
    let log = log.lock().unwrap();
    assert!(log.contains(&"rpc 0 greet 1".to_owned()), "{log:?}");
    assert!(
        log.iter().any(|l| l.starts_with("event PeerConnected")),
        "{log:?}"
    );
}
