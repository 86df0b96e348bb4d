# Main/Board: replicated by two path-based synchronizers (not spawned): BoardSync (round
# ON_CHANGE, clock ALWAYS, with replication and delta intervals) and SecretSync (hidden
# unless the server makes it visible to this peer).
extends Node

var round := 0
var clock := 0.0
var secret := ""
