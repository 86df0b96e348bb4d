# The arena, /root/Arena (wire path "Arena"), the same node `netscene serve --game arena` hosts.
# The server spawns one avatar (player.tscn) per player under Players through PlayerSpawner and
# moves it when its owner calls move(). This client only sends inputs and shows what the server
# replicates. Each arrow key press moves your avatar one cell; `--moves=right,right,up` plays a scripted game.
extends Node2D

# The server's grid: 20 x 15 cells of 32 px (drawn here; the server keeps avatars inside it).
const CELL_SIZE := 32
const COLUMNS := 20
const ROWS := 15
const FLOOR_COLOR := Color(0.12, 0.14, 0.18)
const GRID_COLOR := Color(1, 1, 1, 0.08)

const DIRECTIONS := {
	"right": Vector2i.RIGHT,
	"left": Vector2i.LEFT,
	"up": Vector2i.UP,
	"down": Vector2i.DOWN,
}

var host := "127.0.0.1"
var port := 7000
var transport := "enet"
var player_name := "godot"
var auth_token := ""
# Scripted mode: arrow-key presses played once our avatar exists, then (when >= 0) leave
# after that many seconds.
var scripted_moves: Array[String] = []
var leave_after := -1.0
var moves_sent := 0

@onready var spawner: MultiplayerSpawner = $PlayerSpawner
@onready var status: Label = $Status


func _ready() -> void:
	if not _read_command_line():
		get_tree().quit(2)
		return
	var peer: MultiplayerPeer
	var err := OK
	if transport == "ws" or transport == "wss":
		# A web export on an https page must use wss://.
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
	multiplayer.connected_to_server.connect(_on_connected_to_server)
	multiplayer.connection_failed.connect(_on_connection_failed)
	multiplayer.server_disconnected.connect(_on_server_disconnected)
	spawner.spawned.connect(_on_spawned)
	spawner.despawned.connect(func(node: Node) -> void: print("despawned avatar %s" % node.name))
	multiplayer.multiplayer_peer = peer


func _draw() -> void:
	# The floor and its grid, under the avatars (children draw over their parent).
	draw_rect(Rect2(0, 0, COLUMNS * CELL_SIZE, ROWS * CELL_SIZE), FLOOR_COLOR)
	for column in COLUMNS + 1:
		draw_line(Vector2(column * CELL_SIZE, 0), Vector2(column * CELL_SIZE, ROWS * CELL_SIZE), GRID_COLOR)
	for row in ROWS + 1:
		draw_line(Vector2(0, row * CELL_SIZE), Vector2(COLUMNS * CELL_SIZE, row * CELL_SIZE), GRID_COLOR)


func _read_command_line() -> bool:
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
			"leave-after": leave_after = float(parts[1])
			"moves":
				for step in parts[1].split(",", false):
					if not DIRECTIONS.has(step):
						printerr("unknown move %s (right, left, up, down)" % step)
						return false
					scripted_moves.append(step)
	return true


func _unhandled_input(event: InputEvent) -> void:
	if multiplayer.multiplayer_peer.get_connection_status() != MultiplayerPeer.CONNECTION_CONNECTED:
		return
	# One step per key press (key repeat would race across the arena).
	for direction in DIRECTIONS:
		if event.is_action_pressed("ui_" + direction):
			get_viewport().set_input_as_handled()
			move.rpc_id(1, DIRECTIONS[direction])
			moves_sent += 1
			if moves_sent == scripted_moves.size():
				print("sent %d moves" % moves_sent)
			return


# Sent by a client to the server: step my avatar one cell along each non-zero axis.
@rpc("any_peer", "call_remote", "reliable", 0)
func move(_direction: Vector2i) -> void:
	pass


func _on_peer_authenticating(id: int) -> void:
	var scene_multiplayer := multiplayer as SceneMultiplayer
	scene_multiplayer.send_auth(id, auth_token.to_utf8_buffer())
	scene_multiplayer.complete_auth(id)


func _on_connected_to_server() -> void:
	print("connected as %d" % multiplayer.get_unique_id())
	status.text = "%s (peer %d): arrow keys move, new cells score" % [player_name, multiplayer.get_unique_id()]
	Lobby.register.rpc_id(1, player_name)


func _on_spawned(node: Node) -> void:
	print("spawned avatar %s" % node.name)
	if node.name != str(multiplayer.get_unique_id()):
		return
	# Our own avatar exists: press the scripted arrow keys, so a scripted game takes the same
	# path as a player's keyboard (the input events arrive in order, and so do the reliable RPCs).
	for direction in scripted_moves:
		for pressed in [true, false]:
			var key := InputEventAction.new()
			key.action = "ui_" + direction
			key.pressed = pressed
			Input.parse_input_event(key)
	if leave_after >= 0.0:
		get_tree().create_timer(leave_after).timeout.connect(_leave)


func _leave() -> void:
	print("leaving")
	multiplayer.multiplayer_peer.close()
	get_tree().quit(0)


func _on_connection_failed() -> void:
	printerr("connection failed")
	get_tree().quit(1)


func _on_server_disconnected() -> void:
	printerr("server lost")
	get_tree().quit(1)
