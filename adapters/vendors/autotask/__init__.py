"""Datto Autotask PSA over its REST API."""
