extends Node

@rpc("any_peer")
func hello(): pass
