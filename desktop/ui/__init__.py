"""The PySide6 desktop face of the engine. app.run_gui is the composition root."""
