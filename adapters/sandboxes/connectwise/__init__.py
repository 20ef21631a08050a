"""A local ConnectWise PSA REST API (``app.py``)."""
