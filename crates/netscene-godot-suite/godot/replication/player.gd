# A player spawned from the scene list: position (ALWAYS), hp (ON_CHANGE) and team (spawn
# only) come from the server.
extends Node2D

var hp := 0
var team := "none"
var _last_position := Vector2(-1, -1)


func _ready() -> void:
	$MultiplayerSynchronizer.synchronized.connect(_on_synchronized)
	$MultiplayerSynchronizer.delta_synchronized.connect(_on_delta)


func _on_synchronized() -> void:
	if position != _last_position:
		_last_position = position
		print("pos %s %d,%d" % [name, int(position.x), int(position.y)])


func _on_delta() -> void:
	print("hp %s %d team=%s" % [name, hp, team])
