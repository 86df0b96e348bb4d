# /root/Main: joins lobby --lobby=NAME of the signaling server --signal=ws://… with
# WebRTCMultiplayerPeer (default channels, as `netscene serve --transport webrtc`), connects to
# the peers the lobby introduces (the lower id offers), and once connected to the server adds
# /root/Lobby, registers as --name=NAME and says hello.
extends Node

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
	var lobby := Node.new()
	lobby.name = "Lobby"
	lobby.set_script(load("res://lobby.gd"))
	get_tree().root.add_child.call_deferred(lobby)
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.server_disconnected.connect(func() -> void: print("server_disconnected"))
	var err := ws.connect_to_url(args.get("signal", ""))
	if err != OK:
		printerr("FAIL cannot reach the signaling server: %s" % error_string(err))
		get_tree().quit(1)


func _on_connected() -> void:
	var me := multiplayer.get_unique_id()
	print("connected as %d" % me)
	var lobby := get_node("/root/Lobby")
	lobby.register.rpc_id(1, args.get("name", "godot"))
	lobby.chat.rpc_id(1, "hello from %s" % args.get("name", "godot"))


func _process(_delta: float) -> void:
	ws.poll()
	if ws.get_ready_state() == WebSocketPeer.STATE_OPEN and not opened:
		opened = true
		_signal({"type": "join", "lobby": args.get("lobby", ""), "mesh": false})
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
			var err := rtc.create_client(my_id)
			if err != OK:
				printerr("FAIL create_client: %s" % error_string(err))
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
