"""Hub <-> BNG (NMI) forms and answers: pure functions, no I/O."""
