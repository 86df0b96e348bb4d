extends Node2D

@rpc
func fire(): pass
