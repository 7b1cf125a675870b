"""`flask ops stats --since Nd|Nh`: sign-ups, activations, expiries, mails sent and failed,
per calendar day in Europe/Paris, over a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.activation.helpers import activate, activated_number
from tests.ops.helpers import EMAIL, SECOND_EMAIL
from tests.support import code_from

ZERO = {"sign_ups": 0, "activations": 0, "expiries": 0, "mails_sent": 0, "mail_failures": 0}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=UTC)


def test_stats_count_each_day_of_paris(
    console, app, sign_up, outbox, time_machine, smtp, fail_for_good
):
    # 22:30 UTC on the 4th is 00:30 on the 5th in Paris: a sign-up of the 5th.
    time_machine.move_to(at(4, 22, 30), tick=True)
    sign_up(EMAIL)
    time_machine.move_to(at(5, 10), tick=True)
    smtp.refuse()
    sign_up(SECOND_EMAIL, send=False)
    fail_for_good()  # its retries end about 11:45 UTC on the 5th
    smtp.accept()
    time_machine.move_to(at(6, 9), tick=True)
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))
    time_machine.move_to(at(7, 12), tick=True)
    assert console.json("purge-expired") == {"expired": 1}

    stats = console.json("stats", "--since", "3d")

    assert stats["timezone"] == "Europe/Paris"
    assert stats["since"].startswith("2026-05-04T12:00") and stats["until"].startswith(
        "2026-05-07T12:00"
    )
    assert stats["days"] == [
        {"day": "2026-05-04", **ZERO},
        {"day": "2026-05-05", **ZERO, "sign_ups": 2, "mails_sent": 1, "mail_failures": 1},
        {"day": "2026-05-06", **ZERO, "activations": 1},
        {"day": "2026-05-07", **ZERO, "expiries": 1},
    ]
    assert stats["totals"] == {
        "sign_ups": 2,
        "activations": 1,
        "expiries": 1,
        "mails_sent": 1,
        "mail_failures": 1,
    }
    # A shorter window leaves the sign-ups out.
    assert console.json("stats", "--since", "36h")["totals"]["sign_ups"] == 0


def test_stats_text_names_the_days_time_zone(console, sign_up, time_machine):
    time_machine.move_to(at(5, 10), tick=True)
    sign_up(EMAIL)

    result = console.run("stats", "--since", "2d")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("days in Europe/Paris")
    assert lines[1].split() == [
        "day",
        "sign-ups",
        "activations",
        "expiries",
        "mails",
        "sent",
        "mail",
        "failures",
    ]
    assert lines[-2].split() == ["2026-05-05", "1", "0", "0", "1", "0"]
    assert lines[-1].split() == ["total", "1", "0", "0", "1", "0"]


def test_stats_refuses_a_window_it_cannot_read(console):
    for since in ("7", "7w", "-1d", "0h", "400d"):
        result = console.run("stats", "--since", since)
        assert result.exit_code == 2, since
        assert "Invalid value for '--since'" in result.stderr


def test_a_mail_dropped_as_obsolete_is_not_a_failure(console, app, sign_up, outbox, run_worker):
    sign_up(EMAIL)
    console.json("resend", EMAIL)
    # Activated with the first code before the worker sends the second: no longer owed.
    assert activated_number(activate(app.test_client(), EMAIL, code_from(outbox[0])))
    run_worker()

    stats = console.json("stats", "--since", "1d")

    assert console.json("find", EMAIL)["outbox"][1]["last_error"].startswith("obsolete")
    assert stats["totals"] == {
        "sign_ups": 1,
        "activations": 1,
        "expiries": 0,
        "mails_sent": 1,
        "mail_failures": 0,
    }
