"""Serve an ASGI app over real HTTP for a test (the same helper the benchmarks use)."""

from entrypoints.servers import serve_asgi

__all__ = ["serve_asgi"]
