# extends by relative path; replaces the config of `hit`.
extends "base.gd"

@rpc("authority", "unreliable")
func hit(_damage: int): pass
