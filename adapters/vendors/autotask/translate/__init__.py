"""Hub <-> Autotask payloads: pure functions, no I/O."""
