"""Kaseya BMS (API 2.0) over its REST API: the client, its tokens, the contract and a sandbox."""
