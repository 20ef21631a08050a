"""``q2c mailbox``: read the mail the embedded hub stored instead of sending it (PAY-13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from adapters.notifications.mailbox import LocalMailbox, StoredMail


def mailbox_group(default_directory: Callable[[], Path]) -> click.Group:
    """The ``mailbox`` group; ``default_directory()`` is asked when ``--directory`` is not given."""
    directory_option = click.option(
        "--directory",
        type=click.Path(file_okay=False, path_type=Path),
        help="The mailbox folder (a Maildir); by default the hub's own.",
    )

    def open_mailbox(directory: Path | None) -> LocalMailbox:
        return LocalMailbox(directory or default_directory())

    @click.group("mailbox")
    def group() -> None:
        """Email the hub stored in its local mailbox (when no SMTP server is configured)."""

    @group.command("list")
    @directory_option
    def list_messages(directory: Path | None) -> None:
        """One line per message, oldest first: number, date, recipient, subject."""
        box = open_mailbox(directory)
        stored = box.messages()
        if not stored:
            click.echo(f"no messages in {box.directory}")
        for number, mail in enumerate(stored, start=1):
            click.echo(f"{number:>4}  {mail.date:%Y-%m-%d %H:%M:%S}  {mail.to}  {mail.subject}")

    @group.command("show")
    @click.argument("message")
    @directory_option
    def show(message: str, directory: Path | None) -> None:
        """Headers and body of MESSAGE: its number in ``list`` or its Message-ID."""
        box = open_mailbox(directory)
        mail = _pick(box, message)
        if mail is None:
            raise click.ClickException(f"no message {message} in {box.directory}")
        click.echo(_render(mail))

    return group


def _pick(box: LocalMailbox, wanted: str) -> StoredMail | None:
    if wanted.isdigit():
        stored = box.messages()
        number = int(wanted)
        return stored[number - 1] if 1 <= number <= len(stored) else None
    return box.find(wanted) or box.find(f"<{wanted.strip('<>')}>")


def _render(mail: StoredMail) -> str:
    headers = {
        "Message-ID": mail.message_id,
        "Date": mail.date.isoformat(),
        "From": mail.sender,
        "To": mail.to,
        "Subject": mail.subject,
    }
    return "\n".join(f"{name}: {value}" for name, value in headers.items()) + f"\n\n{mail.text}"
