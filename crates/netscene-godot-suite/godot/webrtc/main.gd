# /root/Main: joins a lobby of netscene's signaling server (--signal=ws://…; --lobby=NAME to
# join, none to create one; --mesh for a mesh lobby), connects WebRTC to every peer the lobby
# introduces (the lower id offers), then plays the game the netscene test drives with
# command(what, target).
extends Node

# Custom channels on every peer of these tests: channel 1 unreliable ordered, channel 2 reliable.
const CHANNELS := [MultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED, MultiplayerPeer.TRANSFER_MODE_RELIABLE]

var ws := WebSocketPeer.new()
var rtc := WebRTCMultiplayerPeer.new()
var args := {}
var my_id := 0
var opened := false


func _ready() -> void:
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--"):
			var kv := arg.substr(2).split("=", true, 1)
			args[kv[0]] = kv[1] if kv.size() > 1 else ""
	multiplayer.peer_connected.connect(func(id: int) -> void: print("peer_connected %d" % id))
	multiplayer.peer_disconnected.connect(func(id: int) -> void: print("peer_disconnected %d" % id))
	multiplayer.connected_to_server.connect(func() -> void: print("connected_to_server as %d" % multiplayer.get_unique_id()))
	multiplayer.server_disconnected.connect(func() -> void: print("server_disconnected"))
	multiplayer.peer_packet.connect(_on_peer_packet)
	var err := ws.connect_to_url(args.get("signal", ""))
	if err != OK:
		printerr("FAIL cannot reach the signaling server: %s" % error_string(err))
		get_tree().quit(1)


func _process(_delta: float) -> void:
	ws.poll()
	if ws.get_ready_state() == WebSocketPeer.STATE_OPEN and not opened:
		opened = true
		_signal({"type": "join", "lobby": args.get("lobby", ""), "mesh": args.has("mesh")})
	while ws.get_available_packet_count() > 0:
		var message = JSON.parse_string(ws.get_packet().get_string_from_utf8())
		if message is Dictionary:
			_on_signal(message)


func _signal(message: Dictionary) -> void:
	ws.send_text(JSON.stringify(message))


func _on_signal(message: Dictionary) -> void:
	match message["type"]:
		"joined":
			my_id = int(message["id"])
			var err := OK
			if message["mesh"]:
				err = rtc.create_mesh(my_id, CHANNELS)
			elif my_id == 1:
				err = rtc.create_server(CHANNELS)
			else:
				err = rtc.create_client(my_id, CHANNELS)
			if err != OK:
				printerr("FAIL create: %s" % error_string(err))
			multiplayer.multiplayer_peer = rtc
			print("joined %s as %d" % [message["lobby"], my_id])
		"peer_connected":
			_connect_to(int(message["id"]))
		"peer_disconnected":
			var id := int(message["id"])
			if rtc.has_peer(id):
				rtc.remove_peer(id)
		"offer", "answer":
			var from := int(message["from"])
			if rtc.has_peer(from):
				rtc.get_peer(from)["connection"].set_remote_description(message["type"], message["sdp"])
		"candidate":
			var from := int(message["from"])
			if rtc.has_peer(from):
				rtc.get_peer(from)["connection"].add_ice_candidate(message["mid"], int(message["index"]), message["candidate"])
		"error":
			print("signaling error: %s" % message["message"])


func _connect_to(id: int) -> void:
	var connection := WebRTCPeerConnection.new()
	connection.initialize({"iceServers": []})
	connection.session_description_created.connect(func(type: String, sdp: String) -> void:
		connection.set_local_description(type, sdp)
		_signal({"type": type, "to": id, "sdp": sdp}))
	connection.ice_candidate_created.connect(func(mid: String, index: int, candidate: String) -> void:
		_signal({"type": "candidate", "to": id, "mid": mid, "index": index, "candidate": candidate}))
	var err := rtc.add_peer(connection, id)
	if err != OK:
		printerr("FAIL add_peer %d: %s" % [id, error_string(err)])
		return
	if my_id < id:
		connection.create_offer()


func _on_peer_packet(id: int, packet: PackedByteArray) -> void:
	print("bytes from %d: %s" % [id, packet.get_string_from_utf8()])


# What the netscene test asks this game to do (anyone may ask: in a mesh there is no server).
@rpc("any_peer", "call_remote", "reliable")
func command(what: String, target: int) -> void:
	var me := multiplayer.get_unique_id()
	match what:
		"hello":
			hello.rpc_id(target, "hello from %d" % me)
		"modes":
			tick.rpc_id(target, 7)
			ordered.rpc_id(target, 8)
			on_channel_1.rpc_id(target, 9)
			on_channel_2.rpc_id(target, 10)
		"bytes":
			multiplayer.send_bytes(("reliable bytes from %d" % me).to_utf8_buffer(), target, MultiplayerPeer.TRANSFER_MODE_RELIABLE)
			multiplayer.send_bytes(("unreliable bytes from %d" % me).to_utf8_buffer(), target, MultiplayerPeer.TRANSFER_MODE_UNRELIABLE)
			multiplayer.send_bytes(("ordered bytes from %d" % me).to_utf8_buffer(), target, MultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED)
			multiplayer.send_bytes(("channel 2 bytes from %d" % me).to_utf8_buffer(), target, MultiplayerPeer.TRANSFER_MODE_RELIABLE, 2)
		"quit":
			get_tree().quit(0)
	print("did %s for %d" % [what, target])


@rpc("any_peer", "call_remote", "reliable")
func hello(text: String) -> void:
	var from := multiplayer.get_remote_sender_id()
	print("hello %s (sender %d)" % [text, from])
	# The lobby server answers every hello, as a lobby would welcome a player.
	if multiplayer.is_server():
		welcome.rpc_id(from, "welcome %d" % from)


@rpc("authority", "call_remote", "reliable")
func welcome(text: String) -> void:
	print("welcome: %s (sender %d)" % [text, multiplayer.get_remote_sender_id()])


@rpc("any_peer", "call_remote", "unreliable")
func tick(n: int) -> void:
	print("tick %d (sender %d)" % [n, multiplayer.get_remote_sender_id()])


@rpc("any_peer", "call_remote", "unreliable_ordered")
func ordered(n: int) -> void:
	print("ordered %d (sender %d)" % [n, multiplayer.get_remote_sender_id()])


@rpc("any_peer", "call_remote", "unreliable_ordered", 1)
func on_channel_1(n: int) -> void:
	print("channel_1 %d (sender %d)" % [n, multiplayer.get_remote_sender_id()])


@rpc("any_peer", "call_remote", "reliable", 2)
func on_channel_2(n: int) -> void:
	print("channel_2 %d (sender %d)" % [n, multiplayer.get_remote_sender_id()])
