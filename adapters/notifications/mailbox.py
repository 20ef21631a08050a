"""The embedded mailer (PAY-13): messages land in a local Maildir folder instead of being sent.

Each message is one file of a standard Maildir (``tmp/``, ``new/``, ``cur/``), so any mail client
can open the folder (``mutt -f var/mailbox``). A message's file is named after its message id and
linked into ``new/`` atomically, which makes a resend of the same notification a no-op, even from
another process. ``messages()`` reads them back for tests and ``q2c mailbox``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from adapters.notifications.smtp import compose, recipient_domain
from application.notifications.ports import EmailMessage, MailUnavailable

STORED_HEADER = "X-Q2C-Stored"  # nanoseconds since the epoch: the order messages arrived in
FOLDERS = ("tmp", "new", "cur")
log = logging.getLogger("q2c.mail")


@dataclass(frozen=True)
class StoredMail:
    message_id: str
    sender: str
    to: str
    subject: str
    date: datetime
    text: str


class LocalMailbox:
    """A Maildir under ``directory`` (created on the first message) standing in for SMTP."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._last_stamp = 0

    async def send(self, message: EmailMessage) -> None:
        mime = compose(message, datetime.now(UTC))
        try:
            stored = await asyncio.to_thread(self._store, mime, message.message_id)
        except OSError as error:
            raise MailUnavailable(
                f"cannot write to the mailbox {self.directory}: {error}"
            ) from None
        log.info(
            "mail_stored" if stored else "mail_already_stored",
            extra={
                "recipient_domain": recipient_domain(message.to),
                "message_id": message.message_id,
            },
        )

    def messages(self) -> list[StoredMail]:
        """Every stored message, oldest first."""
        if not (self.directory / "new").is_dir():
            return []
        folder = mailbox.Maildir(self.directory, factory=None, create=False)
        parsed = [_parse(data) for data in _contents(folder)]
        parsed.sort(key=_arrival)
        return [_stored(mime) for mime in parsed]

    def find(self, message_id: str) -> StoredMail | None:
        path = self._path_of(_file_name(message_id))
        return None if path is None else _stored(_parse(path.read_bytes()))

    def _store(self, mime: MimeMessage, message_id: str) -> bool:
        """Write the message unless one with its id is there; False when it was."""
        name = _file_name(message_id)
        self._create()
        if self._path_of(name) is not None:
            return False
        mime[STORED_HEADER] = str(self._stamp())
        draft = self.directory / "tmp" / f"{name}.{os.getpid()}.{uuid.uuid4().hex}"
        _write_durably(draft, mime.as_bytes())
        try:
            os.link(draft, self.directory / "new" / name)
        except FileExistsError:
            return False  # stored meanwhile by another sender of the same message
        finally:
            draft.unlink()
        return True

    def _create(self) -> None:
        for folder in FOLDERS:
            (self.directory / folder).mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path_of(self, name: str) -> Path | None:
        """The file of ``name``: in ``new/``, or in ``cur/`` once a mail client has seen it."""
        fresh = self.directory / "new" / name
        if fresh.exists():
            return fresh
        return next((self.directory / "cur").glob(f"{name}*"), None)

    def _stamp(self) -> int:
        with self._lock:
            self._last_stamp = max(time.time_ns(), self._last_stamp + 1)
            return self._last_stamp


def _file_name(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:40]


def _write_durably(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # customer data
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _contents(folder: mailbox.Maildir) -> list[bytes]:
    contents = []
    for key in folder.keys():  # noqa: SIM118 - a Maildir is not a dict
        try:
            contents.append(folder.get_bytes(key))
        except (KeyError, FileNotFoundError):
            continue  # moved by a mail client while we read
    return contents


def _parse(data: bytes) -> MimeMessage:
    return message_from_bytes(data, policy=policy.default)


def _date(mime: MimeMessage) -> datetime:
    try:
        return parsedate_to_datetime(str(mime["Date"]))
    except (TypeError, ValueError):
        return datetime.fromtimestamp(0, UTC)


def _arrival(mime: MimeMessage) -> tuple[int, str]:
    stamp = str(mime.get(STORED_HEADER, ""))
    if stamp.isdigit():
        return int(stamp), str(mime["Message-ID"])
    return int(_date(mime).timestamp() * 1e9), str(mime["Message-ID"])


def _stored(mime: MimeMessage) -> StoredMail:
    body = mime.get_body(("plain",))
    text = body.get_content() if isinstance(body, MimeMessage) else ""
    return StoredMail(
        message_id=str(mime.get("Message-ID", "")),
        sender=str(mime.get("From", "")),
        to=str(mime.get("To", "")),
        subject=str(mime.get("Subject", "")),
        date=_date(mime),
        text=text.removesuffix("\n"),  # the newline the message format adds to every body
    )
