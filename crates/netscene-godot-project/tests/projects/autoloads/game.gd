extends Node

@rpc("authority", "call_local")
func start(): pass
