"""The local mailbox (a Maildir) and the SMTP mailer's settings, without a server (PAY-13)."""

from __future__ import annotations

import asyncio
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.notifications.mailbox import LocalMailbox
from adapters.notifications.smtp import SmtpMailer, redact_url
from application.notifications.ports import EmailMessage, Mailer, MailRejected
from entrypoints.cli.mailbox import mailbox_group


def message(number: int = 1, **changes: str) -> EmailMessage:
    fields = {
        "message_id": f"<notification-{number}@q2c>",
        "sender": "Acme Billing <billing@acme.example>",
        "to": f"client{number}@customer.example",
        "subject": f"Invoice {number}",
        "text": f"Dear client,\nyour invoice {number} is ready.",
    }
    return EmailMessage(**(fields | changes))


async def test_a_stored_message_reads_back_as_sent(tmp_path: Path) -> None:
    box: Mailer = LocalMailbox(tmp_path / "mail")
    sent = message()
    await box.send(sent)
    assert isinstance(box, LocalMailbox)
    [stored] = box.messages()
    assert (stored.message_id, stored.sender, stored.to) == (sent.message_id, sent.sender, sent.to)
    assert (stored.subject, stored.text) == (sent.subject, sent.text)
    assert stored.date.tzinfo is not None
    assert box.find(sent.message_id) == stored


async def test_messages_come_oldest_first(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    for number in (3, 1, 2):
        await box.send(message(number))
    assert [stored.subject for stored in box.messages()] == ["Invoice 3", "Invoice 1", "Invoice 2"]


async def test_sending_the_same_message_id_twice_stores_one_message(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    await asyncio.gather(*(box.send(message(1)) for _ in range(5)))
    await box.send(message(1, subject="a resend"))
    assert [stored.subject for stored in box.messages()] == ["Invoice 1"]


async def test_a_message_a_mail_client_has_read_still_counts(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    await box.send(message(1))
    folder = mailbox.Maildir(tmp_path, create=False)
    [key] = folder.keys()
    seen = folder[key]
    seen.set_subdir("cur")
    seen.add_flag("S")
    folder[key] = seen  # what a client does on reading: new/ → cur/NAME:2,S
    await box.send(message(1))
    assert len(box.messages()) == 1
    assert box.find(message(1).message_id) is not None


async def test_unicode_subject_and_body_survive(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    sent = message(subject="Facture n° 42 : échéance 🧾", text="Montant dû : 1 250,00 €\n— Acme")
    await box.send(sent)
    [stored] = box.messages()
    assert (stored.subject, stored.text) == (sent.subject, sent.text)
    raw = next((tmp_path / "new").iterdir()).read_bytes()
    assert raw.isascii()  # encoded as mail is, so any client reads it


async def test_the_folder_is_a_standard_maildir_created_on_first_message(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path / "var" / "mailbox")
    assert box.messages() == []
    assert not box.directory.exists()
    await box.send(message())
    folder = mailbox.Maildir(box.directory, create=False)
    [stored] = folder
    assert stored["Subject"] == "Invoice 1"
    assert list((box.directory / "tmp").iterdir()) == []


async def test_a_header_with_a_line_break_is_rejected(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    with pytest.raises(MailRejected):
        await box.send(message(subject="Invoice\r\nBcc: everyone@example.com"))
    assert box.messages() == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 587, "starttls", None)),
        ("smtp://mail.example:2525", ("mail.example", 2525, "starttls", None)),
        ("smtp://mail.example?security=none", ("mail.example", 25, "none", None)),
        ("SMTP://Mail.Example:25?security=none", ("mail.example", 25, "none", None)),
        ("smtp://mail.example:465?security=tls", ("mail.example", 465, "tls", None)),
        ("smtps://mail.example", ("mail.example", 465, "tls", None)),
        ("smtps://u%40acme.example:p%40ss@[::1]", ("::1", 465, "tls", "u@acme.example")),
        ("smtp://apikey:s3cret@mail.example:587", ("mail.example", 587, "starttls", "apikey")),
    ],
)
def test_urls_give_host_port_security_and_user(
    url: str, expected: tuple[str, int, str, str | None]
) -> None:
    mailer = SmtpMailer.from_url(url)
    assert (mailer.host, mailer.port, mailer.security, mailer.username) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@mail.example",
        "smtp://user:hunter2@mail.example?security=ssl",
        "smtps://user:hunter2@mail.example?security=starttls",
        "smtp://user:hunter2@mail.example?securty=none",
        "smtp://user:hunter2@mail.example:port",
        "smtp://user:hunter2@mail.example:99999",
        "smtp://user:hunter2@",
        "smtp://user:hun/ter2@mail.example",
    ],
)
def test_a_bad_url_is_refused_without_showing_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="user:\\*\\*\\*@") as caught:
        SmtpMailer.from_url(url)
    assert "hun" not in str(caught.value)


def test_the_password_never_shows_in_the_repr() -> None:
    mailer = SmtpMailer.from_url("smtp://user:hunter2@mail.example")
    assert "hunter2" not in repr(mailer)
    assert "hunter2" not in repr(vars(mailer))
    assert repr(mailer) == (
        "SmtpMailer(host='mail.example', port=587, security='starttls', "
        "username='user', password='***')"
    )


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("smtp://user:hunter2@mail.example:587", "smtp://user:***@mail.example:587"),
        ("smtp://user:p@ss@mail.example", "smtp://user:***@mail.example"),
        ("smtp://user@mail.example", "smtp://user@mail.example"),
        ("smtps://mail.example", "smtps://mail.example"),
    ],
)
def test_redact_url_hides_the_password(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_a_password_without_a_user_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a username"):
        SmtpMailer("mail.example", 587, password="hunter2")


async def test_the_cli_lists_and_shows_stored_messages(tmp_path: Path) -> None:
    box = LocalMailbox(tmp_path)
    await box.send(message(1))
    await box.send(message(2, subject="Relance : facture 2"))
    group = mailbox_group(lambda: tmp_path)
    runner = CliRunner()
    listed = runner.invoke(group, ["list"], catch_exceptions=False)
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "1"
    assert lines[1].endswith("client2@customer.example  Relance : facture 2")
    by_number = runner.invoke(group, ["show", "2"], catch_exceptions=False)
    by_id = runner.invoke(group, ["show", "notification-2@q2c"], catch_exceptions=False)
    assert by_number.output == by_id.output
    assert "Subject: Relance : facture 2\n" in by_number.output
    assert by_number.output.endswith("\n\nDear client,\nyour invoice 2 is ready.\n")


def test_the_cli_says_when_there_is_nothing(tmp_path: Path) -> None:
    group = mailbox_group(lambda: tmp_path / "elsewhere")
    runner = CliRunner()
    empty = runner.invoke(group, ["list", "--directory", str(tmp_path / "none")])
    assert empty.output == f"no messages in {tmp_path / 'none'}\n"
    missing = runner.invoke(group, ["show", "3"])
    assert missing.exit_code == 1
    assert "no message 3 in" in missing.output
