"""QuickBooks Online: the accounting adapter, its OAuth client and a local sandbox of its API."""
