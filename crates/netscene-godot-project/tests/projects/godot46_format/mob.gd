extends CharacterBody2D

@export var target: Node2D
@export var hp := 10

@rpc("authority", "call_local", "reliable")
func hurt(_amount: int) -> void:
	pass
