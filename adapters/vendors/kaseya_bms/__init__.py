"""Kaseya BMS (API 2.0) over its REST API."""
