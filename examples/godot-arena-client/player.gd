# One avatar, spawned by the server through Arena/PlayerSpawner and named after its owner's
# peer id. The server is its authority: it moves the avatar and counts the score, and the
# MultiplayerSynchronizer child replicates position (ALWAYS), score and player_name (ON_CHANGE).
extends Node2D

const OWN_COLOR := Color(0.95, 0.75, 0.3)

## Cells this avatar entered for the first time.
@export var score := 0:
	set(value):
		score = value
		_refresh_label()

## The owner's lobby name ("" until it registers).
@export var player_name := "":
	set(value):
		player_name = value
		_refresh_label()

# What the last state line said: position, score, name.
var _shown: Array = []


func _ready() -> void:
	if name == str(multiplayer.get_unique_id()):
		$Body.color = OWN_COLOR
	_refresh_label()


func _process(_delta: float) -> void:
	# One line per change of the replicated state (tests read these lines).
	var state := [position, score, player_name]
	if state != _shown:
		_shown = state
		print("avatar %s '%s' at %d,%d score=%d" % [name, player_name, int(position.x), int(position.y), score])


func _refresh_label() -> void:
	# The synchronizer sets the spawn state before _ready: the label may not be there yet.
	if not is_node_ready():
		return
	var shown_name := player_name if player_name != "" else "#" + str(name)
	$NameLabel.text = "%s  %d" % [shown_name, score]
