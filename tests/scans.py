"""Scans of the database and of Redis for a text: where a clear secret could hide."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import MetaData, select

from web.extensions import db


def database_texts(app: Flask) -> Iterator[tuple[str, str]]:
    """Every value of every column of every table, as (table.column, text)."""
    with app.app_context():
        reflected = MetaData()
        reflected.reflect(bind=db.engine)
        assert {table.name for table in db.metadata.sorted_tables} <= set(reflected.tables)
        with db.engine.connect() as connection:
            for table in reflected.sorted_tables:
                for row in connection.execute(select(table)).mappings():
                    for column, value in row.items():
                        yield f"{table.name}.{column}", str(value)


def _unpacked(value: bytes) -> Iterator[bytes]:
    """The value, and its zlib-decompressed form when it is compressed (RQ job data)."""
    yield value
    try:
        decompressed = zlib.decompress(value)
    except zlib.error:
        return
    yield decompressed


def _values(connection, key: bytes, kind: str, strict: bool) -> list:
    """The members and values of one key; strict: streams too, and no type left unread."""
    if kind == "string":
        return [connection.get(key)]
    if kind == "hash":
        return [part for pair in connection.hgetall(key).items() for part in pair]
    if kind == "list":
        return connection.lrange(key, 0, -1)
    if kind == "set":
        return list(connection.smembers(key))
    if kind == "zset":
        return [member for member, _ in connection.zrange(key, 0, -1, withscores=True)]
    if not strict:
        return []
    if kind == "stream":
        return [
            part for _, fields in connection.xrange(key) for pair in fields.items() for part in pair
        ]
    pytest.fail(f"unexpected Redis type {kind} for {key.decode()}")


def redis_texts(connection, strict: bool = False) -> Iterator[tuple[str, bytes]]:
    """Every key, member and value in Redis (RQ's compressed job data unpacked)."""
    for key in connection.scan_iter(count=1000):
        values = _values(connection, key, connection.type(key).decode(), strict)
        yield key.decode(), key
        for value in values:
            if value is None:
                continue
            for unpacked in _unpacked(value):
                yield key.decode(), unpacked


def found_in_database(app: Flask, secret: str) -> list[str]:
    """The columns where `secret` appears (case-insensitive)."""
    return [where for where, text in database_texts(app) if secret.casefold() in text.casefold()]


def found_in_redis(connection, secret: str, strict: bool = False) -> list[str]:
    """The keys where `secret` appears (case-insensitive, compressed job data included)."""
    needle = secret.casefold()
    return [
        key
        for key, value in redis_texts(connection, strict)
        if needle in value.decode("utf-8", "replace").casefold()
    ]
