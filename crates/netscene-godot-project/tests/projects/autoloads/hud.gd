extends CanvasLayer

@rpc
func show_message(_text: String): pass
