extends Node2D

@rpc("any_peer")
func order(_where: Vector2): pass
