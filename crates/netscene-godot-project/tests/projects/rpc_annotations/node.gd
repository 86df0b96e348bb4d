# Golden: @rpc arguments in any order, Godot's defaults, and the id order (names sorted).
@tool
extends Node
class_name AnnotatedNode

## Not an RPC: only annotated functions are.
func _ready() -> void:
	var text := "@rpc func fake(): pass"  # strings and comments hide code: @rpc

@rpc
func zeta() -> void: pass

@rpc("unreliable_ordered", "call_local", "any_peer", 2)
func alpha(_a: int) -> void:
	pass

@rpc("call_remote", "unreliable")
func Beta() -> void: pass

@rpc("any_peer", "call_local", "reliable", 0) func _underscore() -> void: pass

@warning_ignore("unused_parameter")
@rpc(
	"authority",
	"unreliable",
)
func mid(x) -> void: pass

class Inner:
	@rpc("any_peer")
	func not_on_the_node() -> void: pass
