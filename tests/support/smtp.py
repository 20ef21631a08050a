"""A small SMTP server in the test's own event loop: real sockets, scripted refusals.

It speaks as much of RFC 5321 as ``smtplib`` needs: EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT,
DATA (with dot-unstuffing), RSET, NOOP, QUIT. Knobs: ``replies`` answers a verb with a chosen
reply instead (``{"RCPT": "550 5.1.1 no such user"}``; ``"DATA"`` is the reply after the
content); ``credentials`` makes AUTH PLAIN a must before MAIL; ``starttls`` offers STARTTLS;
``implicit_tls`` speaks TLS from the first byte; ``silent`` accepts and never greets.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import ipaddress
import ssl
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated_as: str | None
    over_tls: bool

    def parsed(self) -> EmailMessage:
        """The message as a mail store keeps it: lines end with LF, not the wire's CRLF."""
        message = message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class SmtpServer:
    replies: dict[str, str] = field(default_factory=dict)
    credentials: tuple[str, str] | None = None
    starttls: ssl.SSLContext | None = None
    implicit_tls: ssl.SSLContext | None = None
    silent: bool = False
    received: list[ReceivedMail] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # verbs only: AUTH lines hold secrets
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> SmtpServer:
        self._server = await asyncio.start_server(self._serve, HOST, 0, ssl=self.implicit_tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.silent:
                await reader.read()
            else:
                await _Session(self, reader, writer).run()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # the client went away, or refused our certificate: its side reports it
        finally:
            writer.close()


class _Session:
    def __init__(
        self, server: SmtpServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.over_tls = server.implicit_tls is not None
        self.user: str | None = None
        self.mail_from: str | None = None
        self.rcpt_tos: list[str] = []
        self.verbs: dict[str, Callable[[str], Awaitable[bool]]] = {
            "EHLO": self.ehlo, "HELO": self.helo, "STARTTLS": self.starttls, "AUTH": self.auth,
            "MAIL": self.mail, "RCPT": self.rcpt, "DATA": self.data, "RSET": self.rset,
            "NOOP": self.noop, "QUIT": self.quit,
        }  # fmt: skip

    async def run(self) -> None:
        await self.reply("220 localhost ESMTP q2c test server")
        while line := await self.reader.readline():
            verb, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
            self.server.commands.append(verb.upper())
            handler = self.verbs.get(verb.upper())
            if handler is None:
                await self.reply("500 5.5.2 command not recognized")
            elif not await handler(argument):
                return

    async def reply(self, *lines: str) -> None:
        *first, last = lines
        text = "".join(f"{line[:3]}-{line[4:]}\r\n" for line in first) + f"{last}\r\n"
        self.writer.write(text.encode())
        await self.writer.drain()

    async def ehlo(self, _argument: str) -> bool:
        extensions = ["250-localhost", "250-8BITMIME"]
        if self.server.starttls is not None and not self.over_tls:
            extensions.append("250-STARTTLS")
        if self.server.credentials is not None:
            extensions.append("250-AUTH PLAIN")
        await self.reply(*extensions, "250 HELP")
        return True

    async def helo(self, _argument: str) -> bool:
        await self.reply("250 localhost")
        return True

    async def starttls(self, _argument: str) -> bool:
        if self.server.starttls is None or self.over_tls:
            await self.reply("502 5.5.1 STARTTLS not offered")
            return True
        await self.reply("220 2.0.0 ready to start TLS")
        await self.writer.start_tls(self.server.starttls)
        self.over_tls, self.user = True, None
        self._reset()
        return True

    async def auth(self, argument: str) -> bool:
        mechanism, _, initial = argument.partition(" ")
        if mechanism.upper() != "PLAIN" or self.server.credentials is None:
            await self.reply("504 5.5.4 mechanism not supported")
            return True
        if not initial:
            await self.reply("334 ")
            initial = (await self.reader.readline()).decode().strip()
        if _plain_credentials(initial) == self.server.credentials:
            self.user = self.server.credentials[0]
            await self.reply("235 2.7.0 authentication successful")
        else:
            await self.reply("535 5.7.8 authentication credentials invalid")
        return True

    async def mail(self, argument: str) -> bool:
        if self.server.credentials is not None and self.user is None:
            await self.reply("530 5.7.0 authentication required")
            return True
        answer = self.server.replies.get("MAIL", "250 2.1.0 sender ok")
        self._reset()
        if answer.startswith("2"):
            self.mail_from = _address(argument)
        await self.reply(answer)
        return True

    async def rcpt(self, argument: str) -> bool:
        if self.mail_from is None:
            await self.reply("503 5.5.1 MAIL first")
            return True
        answer = self.server.replies.get("RCPT", "250 2.1.5 recipient ok")
        if answer.startswith("2"):
            self.rcpt_tos.append(_address(argument))
        await self.reply(answer)
        return True

    async def data(self, _argument: str) -> bool:
        if not self.rcpt_tos or self.mail_from is None:
            await self.reply("503 5.5.1 RCPT first")
            return True
        await self.reply("354 end data with <CR><LF>.<CR><LF>")
        content = await self._content()
        answer = self.server.replies.get("DATA", "250 2.0.0 queued")
        if answer.startswith("2"):
            self.server.received.append(
                ReceivedMail(
                    self.mail_from, tuple(self.rcpt_tos), content, self.user, self.over_tls
                )
            )
        self._reset()
        await self.reply(answer)
        return True

    async def _content(self) -> bytes:
        lines = []
        while (line := await self.reader.readline()) != b".\r\n":
            if not line:
                raise asyncio.IncompleteReadError(b"", None)
            lines.append(line[1:] if line.startswith(b".") else line)
        return b"".join(lines)

    def _reset(self) -> None:
        self.mail_from, self.rcpt_tos = None, []

    async def rset(self, _argument: str) -> bool:
        self._reset()
        await self.reply("250 2.0.0 ok")
        return True

    async def noop(self, _argument: str) -> bool:
        await self.reply("250 2.0.0 ok")
        return True

    async def quit(self, _argument: str) -> bool:
        await self.reply("221 2.0.0 bye")
        return False


def _address(argument: str) -> str:
    """``FROM:<a@b.example> SIZE=12`` → ``a@b.example``."""
    return argument.partition(":")[2].strip().split(" ")[0].strip("<>")


def _plain_credentials(initial: str) -> tuple[str, str] | None:
    try:
        _authorize_as, user, password = base64.b64decode(initial).decode().split("\0")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return user, password


@dataclass(frozen=True)
class SelfSigned:
    """A self-signed certificate for ``localhost`` and 127.0.0.1, as TLS contexts."""

    server: ssl.SSLContext
    client: ssl.SSLContext  # trusts exactly this certificate


def self_signed() -> SelfSigned:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "cert.pem").write_bytes(certificate_pem)
        (Path(folder) / "key.pem").write_bytes(key_pem)
        server.load_cert_chain(Path(folder) / "cert.pem", Path(folder) / "key.pem")
    client = ssl.create_default_context(cadata=certificate_pem.decode())
    return SelfSigned(server=server, client=client)
