"""A local Autotask REST API."""
