extends Node3D

@rpc("any_peer", "unreliable")
func aim(_angle: float): pass
