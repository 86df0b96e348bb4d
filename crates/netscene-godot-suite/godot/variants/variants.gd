# /root/Variants: sends every case of cases.gd to the netscene server as RPC arguments,
# prints Godot's var_to_str of each (UTF-8 hex, one line), and checks the echo the server
# sends back: same type, same bytes (var_to_bytes), and == unless NaN makes == false.
extends Node

const Cases := preload("res://cases.gd")

var _expected := {}
var _echoes := 0
var _failed := 0
## With --objects: both sides decode full objects, and only objects are sent.
var _objects := false


func _ready() -> void:
	var port := 0
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--port="):
			port = int(arg.get_slice("=", 1))
		elif arg == "--objects":
			_objects = true
			multiplayer.allow_object_decoding = true
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % port)
	if err != OK:
		printerr("FAIL cannot start the client: %s" % error_string(err))
		get_tree().quit(1)
		return
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(func() -> void: printerr("FAIL connection failed"))
	multiplayer.multiplayer_peer = peer


func _on_connected() -> void:
	print("OBJID %d" % get_instance_id())
	var cases: Array = Cases.object_cases() if _objects else Cases.all(self)
	for case in cases:
		var name: String = case[0]
		var value: Variant = case[1]
		_expected[name] = value
		if name != "object_self":
			print("TEXT %s %s" % [name, _hex_text(value)])
		if not _objects and name != "object_self":
			# What Godot's own str_to_var makes of that text, in binary.
			print("PARSED %s %s" % [name, var_to_bytes(str_to_var(var_to_str(value))).hex_encode()])
		check.rpc_id(1, name, value)
	print("SENT %d" % cases.size())


func _hex_text(value: Variant) -> String:
	return var_to_str(value).to_utf8_buffer().hex_encode()


@rpc("any_peer", "call_remote", "reliable")
func check(_name: String, _value: Variant) -> void:
	pass


@rpc("authority", "call_remote", "reliable")
func echo(name: String, value: Variant) -> void:
	print("ETEXT %s %s" % [name, _hex_text(value)])
	var why := _differs(name, _expected.get(name), value)
	if why.is_empty():
		print("PASS %s" % name)
	else:
		_failed += 1
		print("FAIL %s: %s (got %s)" % [name, why, var_to_str(value).c_escape()])
	_echoes += 1
	if _echoes == _expected.size():
		print("DONE %d passed, %d failed" % [_echoes - _failed, _failed])
		get_tree().quit(0)


## Why `got` is not the echo of `sent`, or "" when it is. The reference is what Godot itself
## makes of `sent` through its binary form (a Callable arrives empty, an Array[Node] as an
## Array[EncodedObjectAsID]).
func _differs(name: String, sent: Variant, got: Variant) -> String:
	if not _expected.has(name):
		return "an echo for a value never sent"
	if name == "object_self":
		# Objects cross the wire as instance ids: the echo is an EncodedObjectAsID.
		if got is EncodedObjectAsID and got.get_object_id() == get_instance_id():
			return ""
		return "not this node's id"
	if _objects:
		return _differs_in_full(sent, got)
	var reference: Variant = bytes_to_var(var_to_bytes(sent))
	if typeof(got) != typeof(reference):
		return "type %s, sent %s" % [type_string(typeof(got)), type_string(typeof(reference))]
	if var_to_str(got) != var_to_str(reference):
		return "other text"
	# Godot leaves the padding after a NodePath's names uninitialised in var_to_bytes, so
	# values holding one are not compared byte for byte.
	var got_bytes := var_to_bytes(got)
	var reference_bytes := var_to_bytes(reference)
	if not _has_node_path(reference) and got_bytes != reference_bytes:
		return "other bytes: %s, sent %s" % [got_bytes.hex_encode(), reference_bytes.hex_encode()]
	if not Cases.has_nan(name) and not (got == reference):
		return "not =="
	if reference is Array and not got.is_same_typed(reference):
		return "other element type"
	if reference is Dictionary and not got.is_same_typed(reference):
		return "other key or value type"
	return ""


func _has_node_path(value: Variant) -> bool:
	if value is NodePath:
		return true
	if value is Array:
		return value.any(_has_node_path)
	if value is Dictionary:
		return value.keys().any(_has_node_path) or value.values().any(_has_node_path)
	return false


## Objects sent in full come back as new instances: same text, same full bytes.
func _differs_in_full(sent: Variant, got: Variant) -> String:
	if typeof(got) != typeof(sent):
		return "type %s, sent %s" % [type_string(typeof(got)), type_string(typeof(sent))]
	if var_to_str(got) != var_to_str(sent):
		return "other text"
	if var_to_bytes_with_objects(got) != var_to_bytes_with_objects(sent):
		return "other bytes: %s, sent %s" % [var_to_bytes_with_objects(got).hex_encode(), var_to_bytes_with_objects(sent).hex_encode()]
	return ""
