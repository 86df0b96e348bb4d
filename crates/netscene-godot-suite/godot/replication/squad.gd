# A squad: spawned from the scene list, with a spawner of its own whose players are spawns
# nested in this spawn (despawning the squad despawns them first).
extends Node2D


func _ready() -> void:
	$MemberSpawner.spawned.connect(func(node: Node) -> void: print("spawned MemberSpawner %s in %s" % [node.name, name]))
	$MemberSpawner.despawned.connect(func(node: Node) -> void: print("despawned MemberSpawner %s in %s" % [node.name, name]))
