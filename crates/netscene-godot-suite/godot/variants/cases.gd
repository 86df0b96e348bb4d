# The values sent as RPC arguments, by name; tests/variants.rs builds the same list in Rust.
extends RefCounted

const NAN_CASES := ["float_nan", "v2_nan", "pf64_nan", "dict_nan_key"]


static func has_nan(name: String) -> bool:
	return name in NAN_CASES


static func all(node: Node) -> Array:
	var basis := Basis(Vector3(1, 0, 0), Vector3(0, 0.5, 0.25), Vector3(0, -0.25, 2))
	return random_cases() + [
		# Scalars.
		["nil", null],
		["bool_true", true],
		["bool_false", false],
		["int_zero", 0],
		["int_neg", -1],
		["int_i32_max", 2147483647],
		["int_past_i32", 2147483648],
		["int_below_i32", -2147483649],
		["int_max", 9223372036854775807],
		["int_min", -9223372036854775807 - 1],
		["float_one", 1.0],
		["float_tenth", 0.1],
		["float_third", 1.0 / 3.0],
		["float_neg", -2.5],
		["float_neg_zero", -0.0],
		["float_inf", INF],
		["float_neg_inf", -INF],
		["float_nan", NAN],
		["float_huge", 1e300],
		["float_tiny", _smallest_double()],
		["float_1e15", 1e15],
		["float_1e16", 1e16],
		["float_f32_exact", 1234567.0],
		["float_2_24", 16777216.0],
		["float_1e_5", 1e-5],
		["float_f32_max", _largest_float()],
		["float_big", 123456789012.0],
		# Strings.
		["str_empty", ""],
		["str_ascii", "hello"],
		["str_unicode", "héllo ✓ 日本語 🎮"],
		["str_escapes", "line1\nline2\t\"q\" back\\slash"],
		["str_control", "a\u0001b\r\nc"],
		# Math types.
		["v2", Vector2(1.5, -2.25)],
		["v2_decimals", Vector2(0.1, 1e10)],
		["v2_inf", Vector2(INF, -INF)],
		["v2_nan", Vector2(NAN, 1)],
		["v2i", Vector2i(-2147483648, 2147483647)],
		["rect2", Rect2(0.5, -1, 100, 200.25)],
		["rect2i", Rect2i(-5, 6, 7, -8)],
		["v3", Vector3(1, 2.5, -3.75)],
		["v3i", Vector3i(1, -2, 3)],
		["t2d", Transform2D(Vector2(0.87758255, 0.47942555), Vector2(-0.47942555, 0.87758255), Vector2(2, 3))],
		["v4", Vector4(1, 2, 3, 4.5)],
		["v4i", Vector4i(1, -2, 3, -4)],
		["plane", Plane(Vector3(0, 1, 0), 5.5)],
		["quat", Quaternion(0.1, 0.2, 0.3, 0.9273618)],
		["aabb", AABB(Vector3(-1, -2, -3), Vector3(4, 5, 6))],
		["basis", basis],
		["t3d", Transform3D(basis, Vector3(10, 11, 12))],
		["projection", Projection(Vector4(1, 2, 3, 4), Vector4(5, 6, 7, 8), Vector4(9, 10, 11, 12), Vector4(13, 14, 15, 16.5))],
		["color", Color(0.1, 0.2, 0.3, 0.4)],
		["color_hdr", Color(2, -1, 0.5, 1)],
		# Names, paths, ids.
		["sname", &"my_name"],
		["sname_empty", &""],
		["sname_unicode", &"ünï✓"],
		["np_abs", NodePath("/root/Main:position:x")],
		["np_rel", NodePath("../a/b")],
		["np_empty", NodePath("")],
		["np_subname", NodePath(":position")],
		["np_unique", NodePath("%Unique/child")],
		["rid_empty", RID()],
		["rid", rid_from_int64(123456789)],
		["object_self", node],
		["callable", Callable(node, "check")],
		["signal", Signal(node, "tree_exiting")],
		# Untyped containers.
		["arr_empty", []],
		["arr_mixed", [1, "two", 3.0, null, true, Vector2(1, 2), &"sn", NodePath("a")]],
		["arr_nested", [[1, [2, [3, []]]], {"k": [4, {"deep": PackedByteArray([1, 2])}]}]],
		["dict_empty", {}],
		["dict_strings", {"b": 1, "a": 2, "c": {"z": 1, "y": 2}}],
		["dict_mixed_keys", {"b": 1, &"a": 2, 3: 3, 2.5: 4, null: 5, true: 6, Vector2(1, 2): 7, [1]: 8, "A": 9, Vector2i(0, 0): 10, -7: 11, &"z": 12}],
		["dict_many_keys", many_keys()],
		["dict_lua_style", {hp = 10, name = "x"}],
		["dict_string_like_merged", string_like_merged()],
		["dict_nan_key", {NAN: 1, 1.5: 2, -1.5: 3}],
		["dict_container_keys", {[1, [2]]: "a", {"x": 1}: "b", [1]: "c", [0, 5]: "d"}],
		# Typed containers.
		["arr_int", Array([1, 2, 3], TYPE_INT, &"", null)],
		["arr_string", Array(["x", "ü"], TYPE_STRING, &"", null)],
		["arr_v3", Array([Vector3(1, 2, 3)], TYPE_VECTOR3, &"", null)],
		["arr_float_empty", Array([], TYPE_FLOAT, &"", null)],
		["arr_sname", Array([&"a", &"b"], TYPE_STRING_NAME, &"", null)],
		["arr_node_empty", Array([], TYPE_OBJECT, &"Node", null)],
		["arr_of_arrays", Array([[1], [2, 3]], TYPE_ARRAY, &"", null)],
		["arr_typed_inside", [Array([1], TYPE_INT, &"", null), {"t": Array([0.5], TYPE_FLOAT, &"", null)}]],
		["dict_typed_si", Dictionary({"b": 2, "a": 1}, TYPE_STRING, &"", null, TYPE_INT, &"", null)],
		["dict_typed_iv", Dictionary({2: Vector2(1, 2), 1: Vector2(3, 4)}, TYPE_INT, &"", null, TYPE_VECTOR2, &"", null)],
		["dict_typed_key_only", Dictionary({&"k": [1], &"j": "x"}, TYPE_STRING_NAME, &"", null, TYPE_NIL, &"", null)],
		["dict_typed_value_only", Dictionary({1: 1.5, "a": 2.5}, TYPE_NIL, &"", null, TYPE_FLOAT, &"", null)],
		# Packed arrays.
		["pba", PackedByteArray([0, 1, 127, 128, 255])],
		["pba_empty", PackedByteArray()],
		["pi32", PackedInt32Array([-2147483648, 0, 2147483647])],
		["pi64", PackedInt64Array([-9223372036854775807 - 1, 0, 9223372036854775807])],
		["pf32", PackedFloat32Array([0.1, -2.5, 1e30, INF, -0.0])],
		["pf64", PackedFloat64Array([0.1, 1.0 / 3.0, 1e300, -INF, _smallest_double()])],
		["pf64_nan", PackedFloat64Array([NAN, 1])],
		["pstr", PackedStringArray(["a", "", "ü✓", "q\"uote\n"])],
		["pstr_empty", PackedStringArray()],
		["pv2", PackedVector2Array([Vector2(1, 2), Vector2(-0.5, 0.25)])],
		["pv3", PackedVector3Array([Vector3(1, 2, 3), Vector3(0.1, 0.2, 0.3)])],
		["pcol", PackedColorArray([Color(1, 0, 0, 1), Color(0.1, 0.2, 0.3, 0.4)])],
		["pv4", PackedVector4Array([Vector4(1, 2, 3, 4)])],
		["pv4_empty", PackedVector4Array()],
	]


## More keys than Godot's insertion-sort threshold (16), of types whose order is not even
## transitive (String < Vector2 < StringName by type, StringName and String by text).
static func many_keys() -> Dictionary:
	var d := {}
	for i in 40:
		var k := (i * 17) % 40
		match i % 5:
			0:
				d["s%02d" % k] = i
			1:
				d[StringName("r%02d" % k)] = i
			2:
				d[Vector2(k, -k)] = i
			3:
				d[k] = i
			_:
				d[k / 2.0] = i
	return d


## 5e-324, built from its bits: GDScript reads the literal 5e-324 as -0.0.
static func _smallest_double() -> float:
	return PackedByteArray([1, 0, 0, 0, 0, 0, 0, 0]).decode_double(0)


## The largest float (f32), from its bits: GDScript reads 3.4028234663852886e38 one
## double off.
static func _largest_float() -> float:
	return PackedByteArray([0xff, 0xff, 0x7f, 0x7f]).decode_float(0)


## Values the Rust side does not know in advance (it takes them as decoded, then compares the
## text and the echo): random bit patterns, where the shortest digits are hardest to get right.
static func random_cases() -> Array:
	var rng := RandomNumberGenerator.new()
	rng.seed = 20260406
	var doubles := PackedFloat64Array()
	var floats := PackedFloat32Array()
	var float_variants := []
	var decimals := PackedFloat64Array()
	var vectors := PackedVector3Array()
	while doubles.size() < 300:
		var bits := PackedByteArray()
		bits.resize(8)
		bits.encode_u32(0, rng.randi())
		bits.encode_u32(4, rng.randi())
		var d := bits.decode_double(0)
		if is_finite(d):
			doubles.push_back(d)
	while floats.size() < 300:
		var bits := PackedByteArray()
		bits.resize(4)
		bits.encode_u32(0, rng.randi())
		var f := bits.decode_float(0)
		if is_finite(f):
			floats.push_back(f)
	for i in 150:
		# Floats widened to doubles (written with the float's digits) and doubles.
		float_variants.push_back(floats[i])
		float_variants.push_back(doubles[i])
		decimals.push_back(snappedf(rng.randf_range(-100000.0, 100000.0), 0.001))
		vectors.push_back(Vector3(floats[i], floats[i + 150], rng.randf_range(-10.0, 10.0)))
	return [
		["random_f64", doubles],
		["random_f32", floats],
		["random_float_variants", float_variants],
		["random_decimals", decimals],
		["random_vectors", vectors],
	]


## Godot's Dictionary takes a String and a StringName of the same text as one key: the
## second assignment replaces the value and keeps the first key.
static func string_like_merged() -> Dictionary:
	var d := {"a": 1}
	d[&"a"] = 2
	d[&"b"] = 3
	d["b"] = 4
	return d


## Objects sent in full (class and stored properties), for a run where both sides allow
## object decoding.
static func object_cases() -> Array:
	var resource := Resource.new()
	resource.resource_name = "named ✓"
	var scripted: RefCounted = load("res://cases.gd").new()
	return [
		["obj_refcounted", RefCounted.new()],
		["obj_resource", resource],
		["obj_scripted", scripted],
		["obj_in_array", [RefCounted.new(), 1]],
	]
