"""What every vendor sandbox shares: fault knobs, vendor limits and the control routes.

A vendor sandbox (``adapters/<family>/<vendor>/sandbox.py``) is a Litestar app over in-memory
state that speaks the vendor's real HTTP contract; ``base.build_sandbox_app`` wraps its routes.
"""
