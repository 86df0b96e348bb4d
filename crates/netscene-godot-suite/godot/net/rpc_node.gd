# /root/Main/Rpc and /root/Main/Owned: one method per RPC mode, sync mode, transfer mode and
# channel, names that sort differently by case and code point, and argument shapes (none, one
# PackedByteArray, compressed ints). Every call received is printed as
# "rpc METHOD on NODE from SENDER: VALUE". main.gd gives Rpc one node-level RPC (rpc_config),
# `node_level`, so Rpc's method ids include one with bit 15 set.
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


@rpc("any_peer", "call_remote", "reliable")
func Any_Upper(value: Variant) -> void:
	_got("Any_Upper", value)


@rpc("any_peer", "call_remote", "reliable")
func any_ünï(value: Variant) -> void:
	_got("any_ünï", value)


@rpc("any_peer", "call_remote", "reliable")
func args_none() -> void:
	_got("args_none", "")


@rpc("any_peer", "call_remote", "reliable")
func args_bytes(data: PackedByteArray) -> void:
	_got("args_bytes", data.hex_encode())


@rpc("any_peer", "call_remote", "reliable")
func args_mixed(
	flag: bool, small: int, mid: int, big: int, huge: int, nothing: Variant, text: String
) -> void:
	_got("args_mixed", "%s %d %d %d %d %s %s" % [flag, small, mid, big, huge, nothing, text])


# An RPC only through main.gd's rpc_config on Rpc (node level).
func node_level(value: Variant) -> void:
	_got("node_level", value)


# Configured (disabled) only by main.gd's rpc_config on Rpc.
func node_disabled(value: Variant) -> void:
	_got("node_disabled", value)
