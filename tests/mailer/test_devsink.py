"""The local SMTP sink: a real SMTP conversation ends up in the Maildir and in `messages`."""

from __future__ import annotations

import mailbox
import signal
import smtplib
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.policy import default as default_policy
from pathlib import Path

import pytest

from mailer.devsink import MailSink, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def mail(subject: str, to: str = "helene.lefevre@example.com", html: str | None = None):
    """A mail as the app would send it: French text, optionally an HTML alternative."""
    message = EmailMessage()
    message["From"] = "espace-pro <no-reply@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Bonjour Hélène,\nvotre code d'activation : K7QM-4XPA-9RTD\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def maildir_messages(path: Path) -> list[EmailMessage]:
    """The Maildir's mails, parsed, in the order they were filed."""
    box = mailbox.Maildir(path, create=False)
    found = [(box.get_message(key).get_date(), key, box.get_bytes(key)) for key in box.iterkeys()]
    return [BytesParser(policy=default_policy).parsebytes(raw) for *_, raw in sorted(found)]


def refuses_connections(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def mailbox_dir(tmp_path: Path) -> Path:
    """Where the sink files mails (it creates the directory itself)."""
    return tmp_path / "mailbox"


@pytest.fixture
def sink(mailbox_dir: Path) -> Iterator[MailSink]:
    """A started sink on a port the system picked."""
    server = MailSink(mailbox_dir, port=0)
    server.start()
    yield server
    server.stop()


def test_port_zero_listens_on_a_real_port_known_only_once_started(mailbox_dir: Path):
    server = MailSink(mailbox_dir, port=0)
    with pytest.raises(RuntimeError):
        _ = server.port
    server.start()
    try:
        assert server.port > 0
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
            assert client.noop()[0] == 250
    finally:
        server.stop()


def test_a_mail_sent_over_smtp_is_filed_in_the_maildir_and_kept_in_messages(
    sink: MailSink, mailbox_dir: Path
):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        refused = client.send_message(
            mail("Votre code d'activation — espace-pro"),
            to_addrs=["helene.lefevre@example.com", "archive@example.com"],
        )
    assert refused == {}

    (stored,) = maildir_messages(mailbox_dir)
    assert stored["Subject"] == "Votre code d'activation — espace-pro"
    assert stored["To"] == "helene.lefevre@example.com"
    # The envelope keeps the recipient the headers do not show (a Bcc).
    assert stored["X-Envelope-To"] == "helene.lefevre@example.com, archive@example.com"
    assert stored["X-Envelope-From"] == "no-reply@example.com"
    assert "K7QM-4XPA-9RTD" in stored.get_body(("plain",)).get_content()

    (kept,) = sink.messages
    assert isinstance(kept, EmailMessage)
    assert kept["Subject"] == stored["Subject"]
    assert kept["X-Envelope-To"] == stored["X-Envelope-To"]


def test_the_sink_answers_that_the_mail_is_accepted(sink: MailSink):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.ehlo()
        client.mail("no-reply@example.com")
        client.rcpt("helene.lefevre@example.com")
        code, reply = client.data(mail("Bienvenue").as_bytes(policy=SMTP))
    assert (code, reply) == (250, b"Message accepted for delivery")


def test_text_and_html_alternatives_are_both_kept(sink: MailSink, mailbox_dir: Path):
    html = "<p>Bonjour Hélène,</p><p>votre code : <strong>K7QM-4XPA-9RTD</strong></p>"
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.send_message(mail("Votre code", html=html))

    for stored in (*maildir_messages(mailbox_dir), *sink.messages):
        assert stored.get_content_type() == "multipart/alternative"
        assert "K7QM-4XPA-9RTD" in stored.get_body(("plain",)).get_content()
        assert stored.get_body(("html",)).get_content().strip() == html


def test_several_mails_over_one_connection_are_kept_in_the_order_received(
    sink: MailSink, mailbox_dir: Path
):
    subjects = [f"Courriel n° {number}" for number in range(1, 6)]
    # The worker keeps one SMTP connection open across jobs: so does this client.
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        for subject in subjects:
            client.send_message(mail(subject))

    assert [message["Subject"] for message in sink.messages] == subjects
    assert [message["Subject"] for message in maildir_messages(mailbox_dir)] == subjects


def test_stop_frees_the_port_for_another_server(mailbox_dir: Path):
    first = MailSink(mailbox_dir, port=0)
    first.start()
    port = first.port
    first.stop()
    first.stop()  # stopping twice is harmless

    assert refuses_connections(port)
    second = MailSink(mailbox_dir, port=port)
    second.start()
    try:
        assert second.port == port
    finally:
        second.stop()


def test_a_port_already_taken_is_refused_at_once(mailbox_dir: Path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        server = MailSink(mailbox_dir, port=other.getsockname()[1])
        started = time.monotonic()
        with pytest.raises(OSError):
            server.start(timeout=30)
    # Not after aiosmtpd's ready timeout: `make run` says at once that the port is taken.
    assert time.monotonic() - started < 10
    server.stop()


def test_starting_sending_and_stopping_emit_no_warning(mailbox_dir: Path):
    # The sink runs in its own thread, where pytest's "error" filter would only log:
    # record every warning, whatever thread emits it.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server = MailSink(mailbox_dir, port=0)
        server.start()
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
            client.send_message(mail("Sans avertissement"))
        server.stop()
    assert [str(warning.message) for warning in caught] == []


def test_run_standalone_until_sigterm(tmp_path: Path):
    port, mailbox_dir = free_port(), tmp_path / "standalone"
    process = subprocess.Popen(
        [sys.executable, "-m", "mailer.devsink", "--port", str(port), "--mailbox", mailbox_dir],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while refuses_connections(port):
            assert process.poll() is None, "the sink exited at start"
            assert time.monotonic() < deadline, "the sink did not listen in time"
            time.sleep(0.05)
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(mail("Depuis la ligne de commande"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert [m["Subject"] for m in maildir_messages(mailbox_dir)] == ["Depuis la ligne de commande"]
    assert refuses_connections(port)
