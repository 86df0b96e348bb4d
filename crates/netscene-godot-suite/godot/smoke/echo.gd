# /root/Echo: sends ping to the netscene server, which answers pong with the text it got.
extends Node


func _ready() -> void:
	var port := 0
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--port="):
			port = int(arg.get_slice("=", 1))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % port)
	if err != OK:
		printerr("FAIL cannot start the client: %s" % error_string(err))
		get_tree().quit(1)
		return
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(func() -> void: printerr("FAIL connection failed"))
	multiplayer.multiplayer_peer = peer


func _on_connected() -> void:
	print("connected as %d" % multiplayer.get_unique_id())
	ping.rpc_id(1, "héllo ✓")


@rpc("any_peer", "call_remote", "reliable")
func ping(_text: String) -> void:
	pass


@rpc("authority", "call_remote", "reliable")
func pong(text: String) -> void:
	print("pong %s" % text)
	get_tree().quit(0)
