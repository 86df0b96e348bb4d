# An avatar owned by the client its spawn data names: that client moves it (position
# ALWAYS) and changes its mood (ON_CHANGE); the others print what they receive.
extends Node2D

var mood := "calm"
# Not replicated by avatar.tscn (the mismatch test replicates it on the Godot side only).
var rank := 1
var _steps := 0
var _last_position := Vector2(-1, -1)


func _ready() -> void:
	print("avatar %s owner %d mine %s" % [name, get_multiplayer_authority(), is_multiplayer_authority()])
	$MultiplayerSynchronizer.synchronized.connect(_on_synchronized)


func _process(_delta: float) -> void:
	if not is_multiplayer_authority() or _steps >= 300:
		return
	_steps += 1
	position = Vector2(_steps, 5)
	if _steps == 30:
		mood = "happy"
	if _steps == 60:
		# A spawn of this client's own (its DropSpawner is its own, like the avatar).
		var drop: Node2D = preload("res://player.tscn").instantiate()
		drop.name = "Drop1"
		drop.position = Vector2(60, 5)
		drop.hp = 77
		drop.team = "drop"
		$Drops.add_child(drop, true)
		print("dropped %s authority %d" % [drop.name, drop.get_node("MultiplayerSynchronizer").get_multiplayer_authority()])


func _on_synchronized() -> void:
	if position != _last_position:
		_last_position = position
		print("avatar pos %s %d,%d" % [name, int(position.x), int(position.y)])
