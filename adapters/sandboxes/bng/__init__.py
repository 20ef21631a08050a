"""A local BNG gateway (NMI Payment API)."""
