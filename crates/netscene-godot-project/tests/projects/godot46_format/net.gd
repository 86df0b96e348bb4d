extends Node

@rpc("any_peer", "call_remote", "unreliable_ordered", 1)
func state(_tick: int, _data: PackedByteArray) -> void:
	pass
