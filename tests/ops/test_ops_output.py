"""What the console prints about its own settings and free text: no password, no address."""

from __future__ import annotations

from web.ops.output import masked_text, without_password


def test_urls_are_printed_without_their_password():
    assert (
        without_password("postgresql+psycopg://espace:s3cret@postgres:5432/espace_pro")
        == "postgresql+psycopg://espace:***@postgres:5432/espace_pro"
    )
    assert without_password("redis://:s3cret@[::1]:6379/0") == "redis://:***@[::1]:6379/0"
    assert without_password("redis://127.0.0.1:6379/11") == "redis://127.0.0.1:6379/11"
    assert without_password("unix:///tmp/x/redis.sock") == "unix:///tmp/x/redis.sock"


def test_addresses_in_free_text_are_masked():
    text = "duplicate key (email)=(helene.lefevre@example.com) for <marc@example.com>"

    assert masked_text(text) == (
        "duplicate key (email)=(h*************@example.com) for <m***@example.com>"
    )
    assert masked_text(None) is None
