"""Local stand-ins of the vendors: each speaks its vendor's real HTTP contract over state it keeps.

Apart from the product: nothing in ``domain``, ``application`` or ``adapters.vendors`` imports
them, and each sandbox imports only its own vendor's ``contract.py`` (import-linter keeps it).
``kit/`` is what every sandbox shares: fault knobs, vendor limits and the control routes.
"""
