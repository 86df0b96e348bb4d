extends Node

@rpc("any_peer")
func request_unit(): pass
