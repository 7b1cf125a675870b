"""A code mail SMTP took, whose worker died before recording it, and which the person used
to activate before RQ's retry ran: the retry records the mail as sent, not as obsolete."""

from __future__ import annotations

from sqlalchemy import update

from mailer.delivery import HANDED_KEY
from tests.support import WizardActions
from web.extensions import db
from web.models import Registration, RegistrationState


def test_a_retry_after_the_hand_off_records_the_mail_as_sent(
    app, client, outbox_rows, redis_client, run_worker, outbox
):
    WizardActions(client).complete()
    (row,) = outbox_rows()
    # What the dead worker left: SMTP's hand-off mark, no bookkeeping; then the person
    # activated with the code it had mailed.
    redis_client.set(HANDED_KEY.format(row.id), 1)
    activated_meanwhile(app)

    run_worker()

    (row,) = outbox_rows()
    assert row.sent_at is not None
    assert row.failed_at is None and row.last_error is None
    assert outbox == []  # and no second mail


def test_a_mail_never_handed_is_still_dropped_as_obsolete(
    app, client, outbox_rows, run_worker, outbox
):
    WizardActions(client).complete()
    activated_meanwhile(app)

    run_worker()

    (row,) = outbox_rows()
    assert row.sent_at is None
    assert row.last_error == "obsolete: the registration is no longer pending"
    assert outbox == []


def activated_meanwhile(app) -> None:
    """The person activated with the mailed code before the worker's retry ran."""
    with app.app_context():
        db.session.execute(
            update(Registration).values(state=RegistrationState.ACTIVE, subscriber_number="1")
        )
        db.session.commit()
