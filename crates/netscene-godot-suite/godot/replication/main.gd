# Main: joins the netscene server given by --port= and prints what replication does here.
# Lines: "connected as ID", "spawned SPAWNER NAME ...", "despawned SPAWNER NAME",
# "board rate N" / "board deltas N" (signals in 2 s), "round N", "secret TEXT".
extends Node

const WINDOW_MS := 2000

var _board_syncs := 0
var _board_deltas := 0
var _window_start := -1
var _last_round := -1
var _last_secret := ""


func _ready() -> void:
	var port := 0
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--port="):
			port = int(arg.get_slice("=", 1))
	$ItemSpawner.spawn_function = _spawn_item
	$AvatarSpawner.spawn_function = _spawn_avatar
	for spawner: MultiplayerSpawner in [$PlayerSpawner, $ItemSpawner, $AvatarSpawner]:
		spawner.spawned.connect(_on_spawned.bind(spawner))
		spawner.despawned.connect(_on_despawned.bind(spawner))
	$Board/BoardSync.synchronized.connect(_on_board_sync)
	$Board/BoardSync.delta_synchronized.connect(_on_board_delta)
	$Board/SecretSync.synchronized.connect(_on_secret)
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % port)
	if err != OK:
		printerr("FAIL cannot start the client: %s" % error_string(err))
		get_tree().quit(1)
		return
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(func() -> void: printerr("FAIL connection failed"))
	multiplayer.server_disconnected.connect(func() -> void: print("server gone"))
	multiplayer.multiplayer_peer = peer


func _on_connected() -> void:
	print("connected as %d" % multiplayer.get_unique_id())


func _spawn_item(data: Dictionary) -> Node:
	var item := Node2D.new()
	item.position = Vector2(data["x"], data["y"])
	item.set_meta("kind", data["kind"])
	return item


func _spawn_avatar(owner_id: int) -> Node:
	var avatar: Node = preload("res://avatar.tscn").instantiate()
	# Before it enters the tree, so its synchronizer starts with the right authority.
	avatar.set_multiplayer_authority(owner_id)
	return avatar


func _on_spawned(node: Node, spawner: MultiplayerSpawner) -> void:
	var text := "spawned %s %s" % [spawner.name, node.name]
	if node.has_method("_on_delta"):
		text += " pos=%d,%d hp=%d team=%s" % [int(node.position.x), int(node.position.y), node.hp, node.team]
	elif node.has_meta("kind"):
		text += " kind=%s pos=%d,%d" % [node.get_meta("kind"), int(node.position.x), int(node.position.y)]
	print(text)


func _on_despawned(node: Node, spawner: MultiplayerSpawner) -> void:
	print("despawned %s %s" % [spawner.name, node.name])


func _process(_delta: float) -> void:
	if _window_start >= 0 and Time.get_ticks_msec() - _window_start >= WINDOW_MS:
		print("board rate %d deltas %d" % [_board_syncs, _board_deltas])
		_window_start = -1


func _on_board_sync() -> void:
	if _window_start < 0 and _board_syncs == 0:
		_window_start = Time.get_ticks_msec()
	if _window_start >= 0:
		_board_syncs += 1


func _on_board_delta() -> void:
	if _window_start >= 0:
		_board_deltas += 1
	if $Board.round != _last_round:
		_last_round = $Board.round
		print("round %d" % _last_round)


func _on_secret() -> void:
	if $Board.secret != _last_secret:
		_last_secret = $Board.secret
		print("secret %s" % _last_secret)
