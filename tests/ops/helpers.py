"""Console test helpers: the addresses, `flask ops …` on the test's app, a refusing SMTP."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from click.testing import Result
from flask import Flask

from tests.support import EMAIL as EMAIL
from tests.support import SECOND_EMAIL as SECOND_EMAIL

MASKED = "h*************@example.com"  # mask_email(EMAIL)


@dataclass
class Console:
    """`flask ops …` through Click's runner, on the test's app (its DB and Redis)."""

    app: Flask

    def run(self, *args: str) -> Result:
        """Invoke one ops command; its exit code, stdout and stderr."""
        return self.app.test_cli_runner().invoke(args=["ops", *args])

    def json(self, *args: str, exit_code: int = 0) -> dict:
        """Invoke with --json, check the exit code, return the parsed document."""
        result = self.run(*args, "--json")
        assert result.exit_code == exit_code, (result.output, result.stderr)
        return json.loads(result.stdout)


class SmtpSwitch:
    """The test SMTP server answering 451 to every mail (`refuse`), or taking them again."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.monkeypatch = monkeypatch

    def refuse(self) -> None:
        """Answer 451 to every mail from now on."""
        from mailer.devsink import _StoreHandler
        from mailer.smtp import close_connection

        # A session opened before keeps the server's handler: the worker starts a new one.
        with self.app.app_context():
            close_connection()

        async def refuse(handler, server, session, envelope):
            return "451 4.3.0 try later"

        self.monkeypatch.setattr(_StoreHandler, "handle_DATA", refuse)

    def accept(self) -> None:
        """Take mails again."""
        self.monkeypatch.undo()
