"""Hub ↔ ConnectWise records: pure translators (seed 004)."""
