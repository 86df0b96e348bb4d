# /root/Main: a Godot client of netscene's RPC and connection suite.
#
# User args: --port=N (the netscene server),
# --scenario=plain|auth|auth_silent|auth_leave|branch (branch: a custom multiplayer at /root/Main),
# --token=T (the auth token sent in scenario auth*), --relay=off (server_relay off here),
# --cells=N (cells under Many, default 60).
# Every multiplayer signal is printed as "signal NAME ARGS". Once admitted, the netscene server
# drives the client with the `command` RPC; each command prints "did WHAT ..." when done.
extends Node

const CELLS := 60

var scenario := "plain"
var token := ""
var cell_hits := {}


func _ready() -> void:
	if "--scenario=branch" in OS.get_cmdline_user_args():
		# This subtree gets its own SceneMultiplayer: wire paths are relative to /root/Main.
		get_tree().set_multiplayer(SceneMultiplayer.new(), get_path())
	var port := 0
	var relay := true
	var cells := CELLS
	for arg in OS.get_cmdline_user_args():
		var key := arg.get_slice("=", 0)
		var value := arg.substr(key.length() + 1)
		match key:
			"--port":
				port = int(value)
			"--scenario":
				scenario = value
			"--token":
				token = value
			"--relay":
				relay = value != "off"
			"--cells":
				cells = int(value)
	# A node-level RPC (Node.rpc_config): its id has bit 15 set, so it travels as a u16.
	$Rpc.rpc_config(&"node_level", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER})
	# A disabled one: it keeps its id and its place in the checksum, and every call is refused.
	$Rpc.rpc_config(&"node_disabled", {"rpc_mode": MultiplayerAPI.RPC_MODE_DISABLED})
	for i in cells:
		var cell := Node.new()
		cell.name = "C%02d" % i
		cell.set_script(preload("res://cell.gd"))
		$Many.add_child(cell)

	var mp := multiplayer as SceneMultiplayer
	mp.server_relay = relay
	mp.connected_to_server.connect(
		func() -> void: print("signal connected_to_server as %d" % multiplayer.get_unique_id())
	)
	mp.connection_failed.connect(func() -> void: print("signal connection_failed"))
	mp.server_disconnected.connect(func() -> void: print("signal server_disconnected"))
	mp.peer_connected.connect(func(id: int) -> void: print("signal peer_connected %d" % id))
	mp.peer_disconnected.connect(func(id: int) -> void: print("signal peer_disconnected %d" % id))
	mp.peer_authenticating.connect(_on_peer_authenticating)
	mp.peer_authentication_failed.connect(
		func(id: int) -> void: print("signal peer_authentication_failed %d" % id)
	)
	mp.peer_packet.connect(
		func(id: int, data: PackedByteArray) -> void:
			print("signal peer_packet %d %s" % [id, data.get_string_from_utf8()])
	)
	if scenario.begins_with("auth"):
		mp.auth_callback = _on_auth_data

	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % port)
	if err != OK:
		printerr("FAIL cannot start the client: %s" % error_string(err))
		get_tree().quit(1)
		return
	multiplayer.multiplayer_peer = peer
	print("started %s relay %s" % [scenario, relay])


func _on_peer_authenticating(id: int) -> void:
	print("signal peer_authenticating %d (me %d)" % [id, multiplayer.get_unique_id()])
	if scenario == "auth" or scenario == "auth_leave":
		var sent := (multiplayer as SceneMultiplayer).send_auth(id, token.to_utf8_buffer())
		print("sent token %s: %s" % [token, error_string(sent)])


# The server answers a token with "welcome" (then this side completes) or "denied".
func _on_auth_data(id: int, data: PackedByteArray) -> void:
	var text := data.get_string_from_utf8()
	print("auth data from %d: %s" % [id, text])
	if text == "welcome":
		var done := (multiplayer as SceneMultiplayer).complete_auth(id)
		print("completed auth: %s" % error_string(done))
	elif text == "denied" and scenario == "auth_leave":
		# Not from inside the peer's poll: the packet loop is still running.
		multiplayer.multiplayer_peer.close.call_deferred()
		print("leaving")


func record_hit(cell: String, sender: int, round_number: int) -> void:
	if not cell_hits.has(cell):
		cell_hits[cell] = []
	cell_hits[cell].append("%d:%d" % [sender, round_number])


@rpc("authority", "call_remote", "reliable")
func command(what: String, args: Array) -> void:
	var mp := multiplayer as SceneMultiplayer
	match what:
		"rpc":
			# [node path, method, target (null: rpc() to all), value]
			var node := get_node(args[0] as String)
			var err: Error
			if args[2] == null:
				err = node.rpc(args[1], args[3])
			else:
				err = node.rpc_id(args[2], args[1], args[3])
			print("did rpc %s %s %s: %s" % [args[0], args[1], args[2], error_string(err)])
		"rpc_args":
			# [node path, method, target (null: rpc() to all), argument list]
			var node := get_node(args[0] as String)
			var err: Error
			if args[2] == null:
				err = node.callv("rpc", [args[1]] + args[3])
			else:
				err = node.callv("rpc_id", [args[2], args[1]] + args[3])
			print("did rpc_args %s %s %s: %s" % [args[0], args[1], args[2], error_string(err)])
		"bytes":
			# [target, text, transfer mode, channel]
			var err := mp.send_bytes((args[1] as String).to_utf8_buffer(), args[0], args[2], args[3])
			print("did bytes %s %s: %s" % [args[0], args[1], error_string(err)])
		"authority":
			# [node path, peer id]
			get_node(args[0] as String).set_multiplayer_authority(args[1])
			print("did authority %s %d" % [args[0], args[1]])
		"hit_cells":
			# [target, round]: every cell calls hit(round) on the target.
			for cell in $Many.get_children():
				cell.rpc_id(args[0], "hit", args[1])
			print("did hit_cells %d %d" % [args[0], args[1]])
		"report_cells":
			# One line: how many cells were hit, how many calls, and each distinct history.
			var calls := 0
			var histories := {}
			for cell in cell_hits:
				calls += cell_hits[cell].size()
				histories[" ".join(PackedStringArray(cell_hits[cell]))] = true
			var kinds := histories.keys()
			kinds.sort()
			print("did report_cells %d cells %d calls: %s" % [cell_hits.size(), calls, "|".join(PackedStringArray(kinds))])
		"recreate":
			# [node path]: frees the node and adds a new one with the same name and script.
			var old := get_node(args[0] as String)
			var parent := old.get_parent()
			var node_name := old.name
			var script: Script = old.get_script()
			parent.remove_child(old)
			old.free()
			var fresh := Node.new()
			fresh.name = node_name
			fresh.set_script(script)
			parent.add_child(fresh)
			print("did recreate %s" % fresh.get_path())
		"set_relay":
			# [enabled]
			mp.server_relay = args[0]
			print("did set_relay %s: now %s" % [args[0], mp.server_relay])
		"api_errors":
			# Godot's return codes for refused calls, as "name=code" pairs; the last four after
			# closing the peer (this client is gone then).
			var out := []
			out.append("send_bytes_empty=%d" % mp.send_bytes(PackedByteArray(), 1))
			out.append("send_auth_not_pending=%d" % mp.send_auth(1, "x".to_utf8_buffer()))
			out.append("complete_auth_not_pending=%d" % mp.complete_auth(1))
			out.append("rpc_unknown_peer=%d" % $Rpc.rpc_id(12345, "any_reliable", 1))
			var me := multiplayer.get_unique_id()
			out.append("rpc_self_remote=%d" % $Rpc.rpc_id(me, "any_reliable", 1))
			out.append("rpc_no_config=%d" % $Rpc.rpc_id(1, "_got", "a", 1))
			multiplayer.multiplayer_peer.close()
			out.append("closed_send_bytes=%d" % mp.send_bytes("x".to_utf8_buffer(), 1))
			out.append("closed_send_auth=%d" % mp.send_auth(1, "x".to_utf8_buffer()))
			out.append("closed_complete_auth=%d" % mp.complete_auth(1))
			out.append("closed_rpc=%d" % $Rpc.rpc_id(1, "any_reliable", 1))
			print("did api_errors %s" % " ".join(out))
		"peers":
			var peers := multiplayer.get_peers()
			peers.sort()
			print("did peers %s" % [peers])
		"close":
			multiplayer.multiplayer_peer.close.call_deferred()
			print("did close")
		"quit":
			print("did quit")
			get_tree().quit(0)
		"echo":
			print("did echo %s" % args[0])
		_:
			printerr("FAIL unknown command %s" % what)
