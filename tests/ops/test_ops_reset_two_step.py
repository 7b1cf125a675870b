"""`flask ops reset-two-step ADDRESS`: for a subscriber who lost the app and the codes, the
second step goes (with an audit line and a notice); refused when there is nothing to reset."""

from __future__ import annotations

from sqlalchemy import select

from tests.account.spaces import browser
from tests.account.two_steps import CODES, enrol, text
from tests.ops.helpers import EMAIL, MASKED
from tests.support import log_in, logged_in, post_form
from web.extensions import db
from web.models import AuditEvent, RecoveryCode


def enrolled(client) -> None:
    logged_in(client)
    enrol(client)
    post_form(client, CODES, {}, action=CODES + "/notes")
    post_form(client, "/espace/", {}, action="/espace/deconnexion")


def test_the_reset_turns_everything_off_records_it_and_tells_the_subscriber(
    app, client, subscriber, console, outbox, run_worker, redis_client
):
    enrolled(client)
    redis_client.hset(f"two_step:fail:{subscriber.id}", mapping={"count": 100, "last": 0})

    result = console.json("reset-two-step", EMAIL.upper())

    assert result == {
        "address": MASKED,
        "registration_id": subscriber.id,
        "removed_methods": ["totp"],
        "removed_recovery_codes": 10,
        "outbox_id": result["outbox_id"],
    }
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 0
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "two_step_reset")
        ).one()
        assert event.ip is None
    assert not redis_client.exists(f"two_step:fail:{subscriber.id}")
    run_worker()
    (notice,) = [mail for mail in outbox if "réinitialisée" in mail["Subject"]]
    assert notice["To"] == EMAIL
    assert log_in(browser(app)).location.endswith("/espace/")  # the password alone again


def test_the_text_output_and_the_refusals(app, client, subscriber, console):
    enrolled(client)
    done = console.run("reset-two-step", EMAIL)
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"Second step turned off for {MASKED}")

    again = console.run("reset-two-step", EMAIL)
    assert again.exit_code == 1
    assert "has no second step to reset" in again.stderr
    unknown = console.run("reset-two-step", "personne@example.com")
    assert unknown.exit_code == 1
    invalid = console.run("reset-two-step", "pas une adresse")
    assert invalid.exit_code == 2
    assert "Historique" in text(logged_in(browser(app)).get("/espace/historique"))
