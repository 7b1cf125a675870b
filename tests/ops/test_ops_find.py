"""`flask ops find ADDRESS`: one registration's state, dates, mails and history, found as the
app normalises addresses; the address masked unless asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.activation.helpers import activate, activated_number
from tests.ops.helpers import EMAIL, MASKED
from tests.support import code_from

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_find_shows_state_dates_mails_and_history_of_an_activated_space(
    console, app, sign_up, outbox, time_machine
):
    time_machine.move_to(START, tick=False)
    sign_up(EMAIL)
    time_machine.shift(timedelta(hours=2))
    number = activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))

    found = console.json("find", "  Helene.Lefevre@EXAMPLE.com ")

    assert found["address"] == MASKED
    assert (found["registration_id"], found["state"]) == (1, "active")
    assert found["subscriber_number"] == number
    assert found["created_at"] == found["code_sent_at"] == "2026-03-10T08:00:00Z"
    assert found["code_expires_at"] == "2026-03-12T08:00:00Z"
    assert (found["activated_at"], found["expired_at"]) == ("2026-03-10T10:00:00Z", None)
    assert found["code_in_redis_seconds"] is None  # used: gone from Redis
    (mail,) = found["outbox"]
    assert (mail["kind"], mail["attempts"], mail["sent_at"], mail["failed_at"]) == (
        "activation_code",
        1,
        "2026-03-10T08:00:00Z",
        None,
    )
    assert [(event["kind"], event["at"]) for event in found["history"]] == [
        ("activated", "2026-03-10T10:00:00Z")
    ]


def test_find_masks_the_address_unless_asked(console, sign_up):
    sign_up(EMAIL, send=False)

    masked = console.run("find", EMAIL)
    shown = console.run("find", EMAIL, "--show-address")

    assert masked.exit_code == shown.exit_code == 0
    assert EMAIL not in masked.output
    assert f"address             {MASKED}" in masked.stdout.splitlines()
    assert f"address             {EMAIL}" in shown.stdout.splitlines()
    assert "state               pending" in masked.stdout.splitlines()
    assert console.json("find", EMAIL, "--show-address")["address"] == EMAIL


def test_find_of_a_pending_space_shows_its_live_code_and_owed_mail(console, sign_up):
    sign_up(EMAIL)

    found = console.json("find", EMAIL)

    assert found["state"] == "code_sent"
    assert 47 * 3600 < found["code_in_redis_seconds"] <= 49 * 3600
    assert [row["job_status"] for row in found["outbox"]] == ["finished"]


def test_find_of_an_unknown_address_exits_1_with_a_masked_message(console, sign_up):
    sign_up(EMAIL, send=False)

    result = console.run("find", "marc.dupont@example.com")
    as_json = console.json("find", "marc.dupont@example.com", exit_code=1)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Error: no registration for m**********@example.com" in result.stderr
    assert "marc.dupont@" not in result.output
    assert as_json["error"].startswith("no registration for m**********@example.com")


def test_find_refuses_what_is_not_an_address(console):
    result = console.run("find", "not-an-address")

    assert result.exit_code == 2
    assert "not a valid email address" in result.stderr
