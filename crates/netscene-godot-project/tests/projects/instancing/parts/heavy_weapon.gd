extends Node2D

@rpc
func fire(): pass

@rpc
func overheat(): pass
