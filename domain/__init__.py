"""The domain layer: aggregates and value objects that keep the rules of SPEC.md.

Pure Python: no I/O, no logging, no framework imports (enforced by import-linter).
"""
