# extends by class_name (declared in the next file), adds one RPC, and one at run time.
extends MidPawn

@rpc("any_peer", "call_local")
func emote(_id: int): pass

func _ready():
	rpc_config(&"late", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER})
