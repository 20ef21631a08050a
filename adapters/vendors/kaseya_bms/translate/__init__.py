"""Hub <-> Kaseya BMS payloads: pure functions, no I/O."""
