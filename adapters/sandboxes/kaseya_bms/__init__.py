"""A local Kaseya BMS API 2.0."""
