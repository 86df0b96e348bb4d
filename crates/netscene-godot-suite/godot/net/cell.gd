# /root/Main/Many/Cnn (60 of them, made by main.gd): the path cache test's nodes.
extends Node


@rpc("any_peer", "call_remote", "reliable")
func hit(round_number: int) -> void:
	get_node("../..").record_hit(name, multiplayer.get_remote_sender_id(), round_number)
