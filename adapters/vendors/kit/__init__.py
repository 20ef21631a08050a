"""What every vendor shares: the HTTP exchange, limits, per-connection clients, links."""
