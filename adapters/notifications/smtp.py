"""Email through an SMTP server (PAY-13): the standard library's ``smtplib`` in a worker thread.

Replies become port errors here. A 4xx, or a connection refused, dropped or silent, is
``MailUnavailable``; a 5xx to the message itself (its sender, recipient or content) is
``MailRejected``; both carry the server's own words. A server that refuses our credentials, asks
for some, or cannot speak the security configured is a setting to fix, not a bad message: that
is ``MailUnavailable`` too, so notifications wait for the fix instead of being dropped.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr
from typing import Literal, cast, get_args
from urllib.parse import parse_qsl, unquote, urlsplit

from application.notifications.ports import (
    EmailMessage,
    MailError,
    MailRejected,
    MailUnavailable,
)

Security = Literal["none", "starttls", "tls"]
DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
AUTH_REQUIRED = 530
log = logging.getLogger("q2c.mail")


def compose(message: EmailMessage, date: datetime) -> MimeMessage:
    """The RFC 5322 form of ``message``; ``MailRejected`` when it has none (CR/LF in a header)."""
    mime = MimeMessage()
    try:
        mime["From"] = _sender(message)
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = format_datetime(date)
        mime["Message-ID"] = message.message_id
    except ValueError as error:
        raise MailRejected(f"cannot write message {message.message_id}: {error}") from None
    # 7bit when it can be, else quoted-printable: not every server takes 8-bit bodies.
    mime.set_content(
        message.text, charset="utf-8", cte=None if message.text.isascii() else "quoted-printable"
    )
    return mime


def _sender(message: EmailMessage) -> str | Address:
    """The From header: the MSP's name over the hub's address, its commas and accents
    encoded as one display name (a string would be re-folded into two addresses)."""
    if not message.sender_name:
        return message.sender
    return Address(display_name=message.sender_name, addr_spec=parseaddr(message.sender)[1])


def recipient_domain(address: str) -> str:
    """What may be logged of a recipient: its domain."""
    return parseaddr(address)[1].rpartition("@")[2].lower()


def redact_url(url: str) -> str:
    """``url`` with the password of its user info replaced by ``***`` (works on malformed URLs)."""
    scheme, separator, rest = url.partition("://")
    user_info, at, host = rest.rpartition("@")
    if not separator or not at or ":" not in user_info:
        return url
    return f"{scheme}://{user_info.partition(':')[0]}:***@{host}"


class _Secret:
    """A password that shows as ``***`` wherever it is printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"


class SmtpMailer:
    """Hands each message to one SMTP server, opening a connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "starttls",
        timeout: float = 10.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in get_args(Security):
            raise ValueError(f"security is one of none, starttls, tls, not {security!r}")
        if password is not None and username is None:
            raise ValueError("an SMTP password needs a username")
        self.host, self.port, self.security, self.username = host, port, security, username
        self._password = _Secret(password or "")
        self._timeout = timeout
        self._local_hostname = local_hostname
        self._ssl_context = ssl_context  # None: the system's trust store, host names checked

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = 10.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> SmtpMailer:
        """``smtp://user:pass@host:587?security=starttls`` or ``smtps://host:465``.

        ``smtp://`` defaults to STARTTLS on 587 (``security=none``: port 25), ``smtps://`` is TLS
        from the first byte on 465. User and password are percent-decoded.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:  # its words may quote part of a password: not repeated
            raise ValueError(
                f"not an SMTP URL: {redact_url(url)} (a port must be a number; "
                "/ ? # @ : in a user or password must be percent-encoded)"
            ) from None
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        security = _security(parts.scheme.lower(), options.pop("security", None), url)
        if options or not parts.hostname:
            raise ValueError(f"an SMTP URL names a host and at most ?security=: {redact_url(url)}")
        return cls(
            parts.hostname,
            port or DEFAULT_PORTS[security],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            security=security,
            timeout=timeout,
            local_hostname=local_hostname,
            ssl_context=ssl_context,
        )

    def __repr__(self) -> str:
        password = ", password='***'" if self._password.reveal() else ""
        return (
            f"SmtpMailer(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}{password})"
        )

    @property
    def _where(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    async def send(self, message: EmailMessage) -> None:
        mime = compose(message, datetime.now(UTC))
        await asyncio.to_thread(self._deliver, mime, message)
        log.info(
            "mail_sent",
            extra={
                "recipient_domain": recipient_domain(message.to),
                "message_id": message.message_id,
            },
        )

    def _deliver(self, mime: MimeMessage, message: EmailMessage) -> None:
        try:
            with self._session() as smtp:
                self._transact(smtp, mime, message)
        except OSError as error:  # smtplib's errors are OSErrors too
            raise MailUnavailable(self._what_failed(error)) from None

    def _what_failed(self, error: OSError) -> str:
        """What went wrong around the message (connection, TLS, login), in the server's words."""
        where = self._where
        match error:
            case TimeoutError() | smtplib.SMTPServerDisconnected(__context__=TimeoutError()):
                return f"{where} did not answer within {self._timeout:g} s"
            case smtplib.SMTPServerDisconnected():
                return f"{where} dropped the connection: {error}"
            case smtplib.SMTPResponseException():  # a refused login, a failed STARTTLS, …
                return f"{where} answered {_said(error)}"
            case smtplib.SMTPException():
                return f"{where}: {error}"
            case ssl.SSLError():
                return f"TLS with {where} failed: {error}"
        return f"cannot reach {where}: {error.strerror or error}"

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A connection greeted, secured as configured and logged in; QUIT at the end."""
        smtp = self._connect()
        try:
            if self.security == "starttls":
                smtp.ehlo_or_helo_if_needed()
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS")
                smtp.starttls(context=self._tls())
            if self.username is not None:
                smtp.login(self.username, self._password.reveal())
            yield smtp
        finally:
            _quit(smtp)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                self._local_hostname,
                timeout=self._timeout,
                context=self._tls(),
            )
        return smtplib.SMTP(self.host, self.port, self._local_hostname, timeout=self._timeout)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _transact(self, smtp: smtplib.SMTP, mime: MimeMessage, message: EmailMessage) -> None:
        """MAIL, RCPT, DATA: the replies here are about this message, so their codes decide."""
        recipient = parseaddr(message.to)[1]
        try:
            smtp.send_message(mime, parseaddr(message.sender)[1], [recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = error.recipients.get(recipient, next(iter(error.recipients.values())))
            raise _by_code(
                code, f"{self._where} refused recipient {recipient}: {_words(code, reply)}"
            ) from None
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code == AUTH_REQUIRED:
                raise MailUnavailable(f"{self._where} needs credentials: {_said(error)}") from None
            raise _by_code(
                error.smtp_code, f"{self._where} refused sender {message.sender}: {_said(error)}"
            ) from None
        except smtplib.SMTPDataError as error:
            raise _by_code(
                error.smtp_code, f"{self._where} refused the message: {_said(error)}"
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise MailRejected(f"{self._where} cannot take this message: {error}") from None


def _security(scheme: str, asked: str | None, url: str) -> Security:
    implied: Security = "tls" if scheme == "smtps" else "starttls"
    if scheme not in {"smtp", "smtps"}:
        raise ValueError(f"an SMTP URL starts with smtp:// or smtps://: {redact_url(url)}")
    if asked is None:
        return implied
    if asked not in get_args(Security) or (scheme == "smtps" and asked != "tls"):
        raise ValueError(f"security={asked} does not fit {redact_url(url)}")
    return cast(Security, asked)


def _words(code: int, reply: bytes | str) -> str:
    """The server's reply as it said it: ``550 5.1.1 no such user``."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def _said(error: smtplib.SMTPResponseException) -> str:
    return _words(error.smtp_code, error.smtp_error)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a message already accepted stays sent whatever QUIT answers."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _by_code(code: int, message: str) -> MailError:
    return MailRejected(message) if 500 <= code < 600 else MailUnavailable(message)
