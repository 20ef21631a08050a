"""Hub <-> QuickBooks Online objects: pure functions, no I/O."""
