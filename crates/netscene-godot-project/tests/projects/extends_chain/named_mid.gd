class_name MidPawn extends "res://scripts/mid.gd"
