"""Apps beside the test's own, built with other settings and closed afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask

from web import create_app
from web.extensions import db


@contextlib.contextmanager
def other_app(config: dict) -> Iterator[Flask]:
    """A second app (other settings) whose connections are closed afterwards."""
    built = create_app(config)
    try:
        yield built
    finally:
        with built.app_context():
            db.session.remove()
            db.engine.dispose()
        built.extensions["redis"].close()
