"""A wizard page reads its draft from Redis once (issue 17): one GETEX per request, also
when the step is refused or the draft has expired."""

from __future__ import annotations

import pytest

from web.registration.wizard import DRAFT_KEY


def draft_reads(redis_client) -> int:
    stats = redis_client.info("commandstats").get("cmdstat_getex") or {}
    return int(stats.get("calls", 0))


@pytest.mark.parametrize(
    "path", ["/inscription/etape-1", "/inscription/etape-2", "/inscription/etape-3"]
)
def test_a_step_page_reads_the_draft_once(client, at_step_3, redis_client, path):
    before = draft_reads(redis_client)
    assert client.get(path).status_code == 200
    assert draft_reads(redis_client) - before == 1


def test_a_step_not_reached_reads_it_once_too(client, wizard, redis_client):
    wizard.accept_terms()
    before = draft_reads(redis_client)
    response = client.get("/inscription/etape-3")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/etape-2"
    assert draft_reads(redis_client) - before == 1


def test_an_expired_draft_is_read_once_and_said_expired(client, at_step_3, redis_client):
    for key in redis_client.scan_iter(DRAFT_KEY.format("*")):
        redis_client.delete(key)
    before = draft_reads(redis_client)
    response = client.get("/inscription/etape-3")
    assert response.headers["Location"] == "/inscription/etape-1"
    assert draft_reads(redis_client) - before == 1
    assert "expiré" in client.get("/inscription/etape-1").get_data(as_text=True)
