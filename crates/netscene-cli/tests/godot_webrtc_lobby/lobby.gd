# /root/Lobby: the lobby's four RPCs as examples/godot-lobby-client/lobby.gd declares them (same
# names and configs, so the same method ids and path checksum as `netscene serve`'s lobby).
extends Node


@rpc("any_peer", "call_remote", "reliable", 0)
func chat(_text: String) -> void:
	pass


@rpc("authority", "call_remote", "reliable", 0)
func receive_chat(from: int, text: String) -> void:
	print("[chat] %d: %s" % [from, text])


@rpc("any_peer", "call_remote", "reliable", 0)
func register(_name: String) -> void:
	pass


@rpc("authority", "call_remote", "reliable", 0)
func update_players(players: Dictionary) -> void:
	var names := []
	for id in players:
		names.append("%d=%s" % [id, players[id]])
	names.sort()
	print("players: %s" % ", ".join(names))
