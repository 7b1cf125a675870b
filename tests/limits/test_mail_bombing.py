"""Mail bombing: whoever asks and from wherever, one address receives at most
MAIL_MAX_PER_ADDRESS_PER_DAY mails a day from sign-ups, resends and recoveries. The
worker enforces it when sending, so every way of asking is covered."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rq import Queue
from sqlalchemy import select

from mailer import daily_cap, delivery, jobs
from mailer.smtp import MailDeliveryError
from tests.account.spaces import frozen_clock
from tests.activation.helpers import ACTIVATED, activate, mails_to
from tests.limits.helpers import Browser, documentation_ip
from tests.support import EMAIL, PASSWORD, WizardActions, code_from, log_in, post_form
from web.domain.masking import mask_email
from web.extensions import db
from web.models import MailOutbox, Registration

CAP = 10
CAP_LINE = f"daily mail cap reached for {mask_email(EMAIL)}"
PENDING_EMAIL = "marc.durand@example.com"


@pytest.fixture
def worker_log(caplog: pytest.LogCaptureFixture):
    """The worker's console lines (logger espace_pro.worker)."""
    caplog.set_level(logging.INFO, logger="espace_pro.worker")
    return lambda: [
        record.getMessage() for record in caplog.records if record.name == "espace_pro.worker"
    ]


def capped_rows(app) -> list[MailOutbox]:
    """The outbox rows the cap closed."""
    with app.app_context():
        rows = list(
            db.session.scalars(select(MailOutbox).where(MailOutbox.last_error == "daily cap"))
        )
        db.session.expunge_all()
        return rows


def sign_up_from(app, ip: str, email: str = EMAIL):
    """The whole wizard in a new browser at `ip`."""
    return WizardActions(Browser(app, ip).client).complete(email=email)


def ask_from(app, ip: str, kind: int, number: str):
    """One of the mails anyone may ask for an address: sign-up, new code, number, link."""
    if kind == 0:
        return sign_up_from(app, ip)
    browser = Browser(app, ip)
    url, data = [
        ("/activation/nouveau-code", {"email": EMAIL}),
        ("/recuperation/numero", {"email": EMAIL}),
        ("/recuperation/mot-de-passe", {"email": EMAIL, "subscriber_number": number}),
    ][kind - 1]
    return browser.post(url, data)


def test_fifty_requests_for_one_address_from_fifty_ips_mail_it_at_most_the_daily_cap(
    app, subscriber, outbox, run_worker, worker_log, redis_client
):
    assert app.config["MAIL_MAX_PER_ADDRESS_PER_DAY"] == CAP
    mail_queue = Queue("mail", connection=redis_client)
    with frozen_clock(datetime.now(UTC)):  # one day, whatever the wall clock does meanwhile
        for number in range(50):
            ask_from(app, documentation_ip(number), number % 4, subscriber.subscriber_number)
            if mail_queue.count:  # one job at a time: each request owes its own mail
                run_worker()

    # The space's own activation mail, earlier today, counted too.
    assert len(mails_to(outbox, EMAIL)) == CAP - 1
    assert CAP_LINE in worker_log()
    assert not any(EMAIL in line for line in worker_log())
    closed = capped_rows(app)
    assert closed and all(row.sent_at is None and row.failed_at for row in closed)


def test_the_cap_starts_again_the_next_day(app, subscriber, outbox, run_worker):
    today = datetime.now(UTC)
    with frozen_clock(today):
        for number in range(CAP):
            sign_up_from(app, documentation_ip(number))
            run_worker()
        assert len(mails_to(outbox, EMAIL)) == CAP - 1

    with time_machine.travel(today + timedelta(days=1), tick=False):
        sign_up_from(app, documentation_ip(CAP))
        run_worker()

    assert len(mails_to(outbox, EMAIL)) == CAP


@pytest.mark.app_config(MAIL_MAX_PER_ADDRESS_PER_DAY=1)
def test_a_capped_resend_leaves_the_code_already_mailed_valid(app, outbox, run_worker, worker_log):
    person = Browser(app, documentation_ip(1))
    WizardActions(person.client).complete(email=PENDING_EMAIL)
    run_worker()
    (first,) = mails_to(outbox, PENDING_EMAIL)

    person.post("/inscription/attente/renvoyer")
    run_worker()

    assert len(mails_to(outbox, PENDING_EMAIL)) == 1
    assert f"daily mail cap reached for {mask_email(PENDING_EMAIL)}" in worker_log()
    (closed,) = capped_rows(app)
    assert closed.kind == "activation_code"
    assert ACTIVATED in activate(app.test_client(), PENDING_EMAIL, code_from(first)).get_data(
        as_text=True
    )


@pytest.mark.app_config(MAIL_MAX_PER_ADDRESS_PER_DAY=1)
@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("already_registered", None),
        ("already_registered", "/activation/nouveau-code"),
        ("subscriber_number", "/recuperation/numero"),
        ("reset_link", "/recuperation/mot-de-passe"),
    ],
)
def test_every_mail_a_stranger_can_ask_for_is_capped(
    app, subscriber, outbox, run_worker, kind, url
):
    # The space's activation mail used the day's only mail.
    if url is None:
        sign_up_from(app, documentation_ip(2))
    else:
        Browser(app, documentation_ip(2)).post(
            url, {"email": EMAIL, "subscriber_number": subscriber.subscriber_number}
        )
    run_worker()

    assert mails_to(outbox, EMAIL) == []
    assert [row.kind for row in capped_rows(app)] == [kind]


@pytest.mark.app_config(MAIL_MAX_PER_ADDRESS_PER_DAY=1)
def test_security_notices_reach_the_owner_past_the_cap(app, subscriber, outbox, run_worker):
    client = Browser(app, documentation_ip(3)).client
    log_in(client)
    post_form(
        client,
        "/espace/mot-de-passe",
        {
            "current_password": PASSWORD,
            "new_password": "Heron58Quartz",
            "new_password_confirm": "Heron58Quartz",
        },
    )
    run_worker()

    (notice,) = mails_to(outbox, EMAIL)
    assert "modifié" in notice["Subject"]
    assert capped_rows(app) == []


@pytest.mark.app_config(MAIL_MAX_PER_ADDRESS_PER_DAY=1)
def test_a_mail_smtp_refused_takes_no_room_in_the_day(app, monkeypatch):
    WizardActions(Browser(app, documentation_ip(4)).client).complete(email=PENDING_EMAIL)
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))

    def refused(message):
        raise MailDeliveryError("451 try later")

    monkeypatch.setattr(delivery, "deliver", refused)
    with app.app_context():
        with pytest.raises(MailDeliveryError):
            jobs.send_activation_code(registration_id)

        # The day's only mail is still to be had (a retry would take it).
        assert daily_cap.reserve(PENDING_EMAIL)
        assert not daily_cap.reserve(PENDING_EMAIL)
