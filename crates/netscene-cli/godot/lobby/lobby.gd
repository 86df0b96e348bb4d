# The client side of netscene's lobby contract. The scene root is named "Lobby", so this node is
# /root/Lobby and its wire path (relative to the multiplayer root /root) is "Lobby", the same as the
# node `netscene serve` hosts. Both sides declare the same four @rpc methods: their sorted names
# (chat, receive_chat, register, update_players) give the method ids 0-3 and the path checksum.
extends Node

var host := "127.0.0.1"
var port := 7000
var transport := "enet"
var player_name := "godot"
var auth_token := ""
var players := {}


func _ready() -> void:
	_read_command_line()
	var peer: MultiplayerPeer
	var err := OK
	if transport == "ws" or transport == "wss":
		# wss:// is what a web export on an https page must use; the browser (or, natively,
		# Godot's TLSOptions.client()) checks the server's certificate.
		peer = WebSocketMultiplayerPeer.new()
		err = peer.create_client("%s://%s:%d" % [transport, host, port])
	else:
		peer = ENetMultiplayerPeer.new()
		err = peer.create_client(host, port)
	if err != OK:
		printerr("cannot start client: %s" % error_string(err))
		get_tree().quit(1)
		return

	var scene_multiplayer := multiplayer as SceneMultiplayer
	if auth_token != "":
		# The server compares our auth bytes with its token; we accept whatever it answers.
		scene_multiplayer.auth_callback = func(_id: int, _data: PackedByteArray) -> void: pass
		scene_multiplayer.peer_authenticating.connect(_on_peer_authenticating)
		scene_multiplayer.peer_authentication_failed.connect(
			func(id: int) -> void: print("authentication with %d failed" % id))
	multiplayer.connected_to_server.connect(_on_connected_to_server)
	multiplayer.connection_failed.connect(_on_connection_failed)
	multiplayer.server_disconnected.connect(_on_server_disconnected)
	multiplayer.peer_connected.connect(func(id: int) -> void: print("peer connected: %d" % id))
	multiplayer.peer_disconnected.connect(func(id: int) -> void: print("peer disconnected: %d" % id))
	scene_multiplayer.peer_packet.connect(
		func(id: int, data: PackedByteArray) -> void:
			print("raw from %d: %s" % [id, data.get_string_from_utf8()]))
	multiplayer.multiplayer_peer = peer


func _read_command_line() -> void:
	for arg in OS.get_cmdline_user_args():
		var parts := arg.trim_prefix("--").split("=", true, 1)
		if parts.size() != 2:
			continue
		match parts[0]:
			"host": host = parts[1]
			"port": port = int(parts[1])
			"transport": transport = parts[1]
			"name": player_name = parts[1]
			"token": auth_token = parts[1]


func _on_peer_authenticating(id: int) -> void:
	var scene_multiplayer := multiplayer as SceneMultiplayer
	scene_multiplayer.send_auth(id, auth_token.to_utf8_buffer())
	scene_multiplayer.complete_auth(id)


func _on_connected_to_server() -> void:
	print("connected as %d" % multiplayer.get_unique_id())
	register.rpc_id(1, player_name)
	chat.rpc_id(1, "hello from %s" % player_name)


func _on_connection_failed() -> void:
	printerr("connection failed")
	get_tree().quit(1)


func _on_server_disconnected() -> void:
	printerr("server lost")
	get_tree().quit(1)


# Sent by clients to the server, which calls receive_chat on every peer.
@rpc("any_peer", "call_remote", "reliable", 0)
func chat(_text: String) -> void:
	pass


# Sent by the server (the authority) to every peer.
@rpc("authority", "call_remote", "reliable", 0)
func receive_chat(from: int, text: String) -> void:
	print("[chat] %s: %s" % [players.get(from, str(from)), text])


# Sent by clients to the server, which records the name and calls update_players everywhere.
@rpc("any_peer", "call_remote", "reliable", 0)
func register(_name: String) -> void:
	pass


# Sent by the server: {peer_id: name} of every registered peer.
@rpc("authority", "call_remote", "reliable", 0)
func update_players(new_players: Dictionary) -> void:
	players = new_players
	print("players: %s" % [players])
