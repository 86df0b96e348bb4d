class_name BasePawn
extends CharacterBody2D

@rpc("any_peer")
func hit(_damage: int): pass

@rpc
func die(): pass
