# /root/Main/Rpc and /root/Main/Owned: one method per RPC mode, sync mode, transfer mode and
# channel. Every call received is printed as "rpc METHOD on NODE from SENDER: VALUE".
extends Node


func _got(method: String, value: Variant) -> void:
	print("rpc %s on %s from %d: %s" % [method, name, multiplayer.get_remote_sender_id(), value])


@rpc("any_peer", "call_remote", "reliable")
func any_reliable(value: Variant) -> void:
	_got("any_reliable", value)


@rpc("any_peer", "call_remote", "unreliable")
func any_unreliable(value: Variant) -> void:
	_got("any_unreliable", value)


@rpc("any_peer", "call_remote", "unreliable_ordered")
func any_ordered(value: Variant) -> void:
	_got("any_ordered", value)


@rpc("any_peer", "call_remote", "reliable", 3)
func any_channel(value: Variant) -> void:
	_got("any_channel", value)


@rpc("any_peer", "call_local", "reliable")
func any_local(value: Variant) -> void:
	_got("any_local", value)


@rpc("authority", "call_remote", "reliable")
func auth_remote(value: Variant) -> void:
	_got("auth_remote", value)


@rpc("authority", "call_local", "unreliable", 2)
func auth_local(value: Variant) -> void:
	_got("auth_local", value)
