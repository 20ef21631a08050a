"""``python -m entrypoints.cli``: the same as the ``q2c`` command."""

from entrypoints.cli.main import cli

cli()
