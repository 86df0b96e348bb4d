# /root/Lobby (an autoload): the lobby contract of `netscene serve`, the same four @rpc methods
# as examples/godot-lobby-client/lobby.gd. Their sorted names (chat, receive_chat, register,
# update_players) give the method ids 0-3 and the path checksum. The arena registers the
# player's name here; the server copies it onto the player's avatar.
extends Node

var players := {}


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
