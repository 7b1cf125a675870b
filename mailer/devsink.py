"""The embedded default SMTP server: a local sink that keeps every mail in a Maildir."""

from __future__ import annotations

import argparse
import mailbox
import os
import signal
import socket
import sys
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

ACCEPTED = "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1", port: int = 0) -> int:
    """A port that can be bound right now: `port` itself, or the kernel's pick for 0.

    Raises OSError at once when `port` is taken (aiosmtpd would only say so after its
    ready timeout).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As asyncio does: a port left in TIME_WAIT by the previous run is reusable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return probe.getsockname()[1]


class _StoreHandler:
    """aiosmtpd handler: file each mail in the Maildir, keep a parsed copy in memory."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd hook
        # The envelope is the truth about who the mail went to (Bcc never shows in headers).
        trace = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        raw = (trace + envelope.content).replace(b"\r\n", b"\n")
        self.sink.store(raw)
        return ACCEPTED


class MailSink:
    """An SMTP server on a local port that accepts every mail and delivers none."""

    def __init__(
        self, mailbox_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8025
    ):
        self.mailbox_dir = os.fspath(mailbox_dir)
        self.host = host
        self.requested_port = port
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._maildir: mailbox.Maildir | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port the sink listens on (the one picked when 0 was asked)."""
        if self._port is None:
            raise RuntimeError("the mail sink is not started")
        return self._port

    def start(self, timeout: float = 5.0) -> None:
        """Bind the port and start answering SMTP in a background thread."""
        if self._controller is not None:
            raise RuntimeError("the mail sink is already started")
        self._maildir = mailbox.Maildir(self.mailbox_dir, create=True)
        # Controller needs a concrete port: it connects to it once to check it is up.
        port = free_port(self.host, self.requested_port)
        controller = Controller(
            _StoreHandler(self), hostname=self.host, port=port, ready_timeout=timeout
        )
        controller.start()
        self._controller, self._port = controller, port

    def stop(self) -> None:
        """Close the port and stop the thread; safe to call when not started."""
        controller, self._controller, self._port = self._controller, None, None
        if controller is not None:
            controller.stop()

    def store(self, raw: bytes) -> None:
        """File one received mail (bytes, LF line endings) in the Maildir and in `messages`."""
        if self._maildir is None:
            self._maildir = mailbox.Maildir(self.mailbox_dir, create=True)
        message = BytesParser(policy=default_policy).parsebytes(raw)
        with self._lock:
            self._maildir.add(raw)
            self.messages.append(message)


def main(argv: list[str] | None = None) -> int:
    """`python -m mailer.devsink`: run the sink until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description="Local SMTP sink writing to a Maildir.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--mailbox", default=os.path.join("instance", "mailbox"))
    options = parser.parse_args(argv)
    sink = MailSink(options.mailbox, host=options.host, port=options.port)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    sink.start()
    print(
        f"Boîte de test SMTP sur {options.host}:{sink.port}, courriels dans {options.mailbox}"
        "  (Ctrl-C pour arrêter)",
        flush=True,
    )
    try:
        stopping.wait()
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
