# Shortcuts over ./dev, which bootstraps uv when it is missing.
.PHONY: serve test lint format typecheck imports

serve:
	./dev serve

test:
	./dev test

lint:
	./dev lint

format:
	./dev format

typecheck:
	./dev typecheck

imports:
	./dev imports
