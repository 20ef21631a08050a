"""The SMTP mailer against a real SMTP server on a local socket (PAY-13).

The server (``tests/support/smtp.py``) runs in the test's event loop while ``smtplib`` works in a
thread, so every exchange crosses a real TCP connection, with TLS where the test asks for it.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest

from adapters.notifications.smtp import Security, SmtpMailer
from application.notifications.ports import EmailMessage, Mailer, MailRejected, MailUnavailable
from tests.support.smtp import HOST, SelfSigned, SmtpServer, self_signed

MESSAGE = EmailMessage(
    message_id="<0192c0de-0001@q2c>",
    sender="Acme Billing <billing@acme.example>",
    to="Jane Roe <jane@customer.example>",
    subject="Facture n° 1042 : échéance",
    text="Bonjour Jane,\n.a line that starts with a dot\nTotal: 1 250,00 €",
)


@pytest.fixture(scope="module")
def certificate() -> SelfSigned:
    return self_signed()


@pytest.fixture
async def server() -> AsyncIterator[SmtpServer]:
    async with SmtpServer() as running:
        yield running


def mailer_for(server: SmtpServer, security: Security = "none", **options: object) -> SmtpMailer:
    return SmtpMailer(HOST, server.port, security=security, timeout=5, **options)  # type: ignore[arg-type]


async def test_a_message_arrives_with_its_headers_and_body(server: SmtpServer) -> None:
    mailer: Mailer = mailer_for(server)
    await mailer.send(MESSAGE)
    [mail] = server.received
    assert (mail.mail_from, mail.rcpt_tos) == ("billing@acme.example", ("jane@customer.example",))
    parsed = mail.parsed()
    assert parsed["Message-ID"] == MESSAGE.message_id
    assert parsed["Subject"] == MESSAGE.subject
    assert parsed["From"] == MESSAGE.sender
    assert parsed["To"] == MESSAGE.to
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content() == MESSAGE.text + "\n"
    assert mail.data.isascii()  # the server offered no SMTPUTF8: everything is encoded


async def test_the_log_names_the_recipient_domain_and_message_id_only(
    server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="q2c.mail"):
        await mailer_for(server).send(MESSAGE)
    [record] = caplog.records
    assert record.__dict__["recipient_domain"] == "customer.example"
    assert record.__dict__["message_id"] == MESSAGE.message_id
    logged = str(record.__dict__)
    assert "jane@" not in logged
    assert "Bonjour" not in logged
    assert "1042" not in logged


async def test_credentials_from_the_url_are_decoded_and_sent_with_auth_plain() -> None:
    async with SmtpServer(credentials=("ops@acme.example", "p@ss:w/rd%")) as server:
        url = f"smtp://ops%40acme.example:p%40ss%3Aw%2Frd%25@{HOST}:{server.port}?security=none"
        await SmtpMailer.from_url(url, timeout=5).send(MESSAGE)
    assert server.received[0].authenticated_as == "ops@acme.example"


async def test_wrong_credentials_are_unavailable_without_the_password() -> None:
    async with SmtpServer(credentials=("ops", "right")) as server:
        mailer = mailer_for(server, username="ops", password="wrong-secret")
        with pytest.raises(MailUnavailable) as caught:
            await mailer.send(MESSAGE)
    assert "535 5.7.8 authentication credentials invalid" in caught.value.message
    assert "wrong-secret" not in f"{caught.value!r} {caught.value.message} {mailer!r}"
    assert server.received == []


async def test_a_server_asking_for_credentials_we_lack_is_unavailable() -> None:
    async with SmtpServer(credentials=("ops", "right")) as server:
        with pytest.raises(MailUnavailable, match=r"530 5\.7\.0 authentication required"):
            await mailer_for(server).send(MESSAGE)


@pytest.mark.parametrize(
    ("verb", "reply", "error"),
    [
        ("RCPT", "550 5.1.1 <jane@customer.example>: no such user", MailRejected),
        ("RCPT", "451 4.3.0 greylisted, try again later", MailUnavailable),
        ("MAIL", "553 5.7.1 sender not allowed to send here", MailRejected),
        ("MAIL", "452 4.3.1 insufficient system storage", MailUnavailable),
        ("DATA", "554 5.6.0 message content rejected", MailRejected),
        ("DATA", "421 4.4.2 closing, try later", MailUnavailable),
    ],
)
async def test_replies_to_the_message_decide_by_their_code(
    server: SmtpServer, verb: str, reply: str, error: type[Exception]
) -> None:
    server.replies[verb] = reply
    with pytest.raises(error) as caught:
        await mailer_for(server).send(MESSAGE)
    assert isinstance(caught.value, MailRejected | MailUnavailable)
    assert reply in caught.value.message  # the server's own words
    assert server.received == []


async def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as spare:
        spare.bind((HOST, 0))
        port = spare.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(MailUnavailable, match=f"cannot reach SMTP server {HOST}:{port}"):
            await SmtpMailer(HOST, port, security="none", timeout=5).send(MESSAGE)


async def test_a_silent_server_is_unavailable_after_the_timeout() -> None:
    async with SmtpServer(silent=True) as server:
        mailer = SmtpMailer(HOST, server.port, security="none", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(MailUnavailable, match=r"did not answer within 0\.3 s"):
            await mailer.send(MESSAGE)
    assert time.monotonic() - started < 3


async def test_starttls_then_auth(certificate: SelfSigned) -> None:
    async with SmtpServer(starttls=certificate.server, credentials=("ops", "secret")) as server:
        mailer = mailer_for(
            server, "starttls", username="ops", password="secret", ssl_context=certificate.client
        )
        await mailer.send(MESSAGE)
    [mail] = server.received
    assert (mail.over_tls, mail.authenticated_as) == (True, "ops")
    assert server.commands[:4] == ["EHLO", "STARTTLS", "EHLO", "AUTH"]


async def test_starttls_not_offered_is_unavailable(server: SmtpServer) -> None:
    with pytest.raises(MailUnavailable, match="does not offer STARTTLS"):
        await mailer_for(server, "starttls").send(MESSAGE)
    assert "MAIL" not in server.commands  # nothing goes out in clear


async def test_an_untrusted_certificate_is_unavailable(certificate: SelfSigned) -> None:
    async with SmtpServer(starttls=certificate.server) as server:
        with pytest.raises(MailUnavailable, match="TLS with SMTP server"):
            await mailer_for(server, "starttls").send(MESSAGE)  # the system's trust store
    assert server.received == []


async def test_smtps_url_speaks_tls_from_the_first_byte(certificate: SelfSigned) -> None:
    async with SmtpServer(implicit_tls=certificate.server) as server:
        mailer = SmtpMailer.from_url(
            f"smtps://{HOST}:{server.port}", timeout=5, ssl_context=certificate.client
        )
        await mailer.send(MESSAGE)
    assert server.received[0].over_tls
