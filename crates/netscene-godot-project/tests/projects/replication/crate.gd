extends RigidBody2D

@rpc("any_peer", "unreliable")
func push(_force: Vector2): pass
