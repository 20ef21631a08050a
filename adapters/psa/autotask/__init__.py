"""Datto Autotask PSA over its REST API: client, translation, adapters and a local sandbox."""
