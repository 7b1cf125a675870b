"""RQ jobs of the sign-up: the activation code, and the notice to an address that has a space.

Jobs take plain ids and run inside the worker's app context. Each is safe to run twice:
RQ delivers at least once (mailer/delivery.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from redis.client import Pipeline
from rq.job import Job
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from mailer import daily_cap
from mailer.delivery import (
    already_handed,
    draining,
    drop_obsolete,
    hand_off,
    mail_job,
    mark_sent,
    send_once,
    unsent,
)
from mailer.render import render_mail
from web.core.outbox import OUTBOX_JOB_PREFIX, enqueue_outbox, mail_queue, outbox_job_id
from web.core.secrets import codes, links
from web.core.subscribers import PENDING_STATES
from web.core.translations import lazy_gettext as _l
from web.core.urls import public_url_for
from web.extensions import db, redis_store
from web.models import MailKind, MailOutbox, Registration, RegistrationState, utcnow

log = logging.getLogger("espace_pro.worker")
# Activation codes a job sends at most besides its own (MAIL_DRAIN_BATCH overrides it).
DRAIN_BATCH = 50


def _code_ttl() -> int:
    return current_app.config["ACTIVATION_CODE_TTL_SECONDS"]


@mail_job(MailKind.ACTIVATION_CODE)
def send_activation_code(registration_id: int) -> str:
    """Send a new activation code: the only valid one, for its TTL from the SMTP hand-off;
    then, while at it, the other activation codes owed and queued (`drain_owed_codes`)."""
    outcome = _send_code(registration_id)
    try:
        drain_owed_codes()
    except Exception:  # noqa: BLE001 - this job's mail is settled: the others keep their jobs
        db.session.rollback()
        log.warning("activation codes of other jobs not drained", exc_info=True)
    return outcome


def _send_code(registration_id: int, rows: list[MailOutbox] | None = None) -> str:
    """One registration's code, its rows settled and committed (`rows`: its unsent
    activation rows, already read by the caller)."""
    registration = db.session.get(Registration, registration_id)
    if rows is None:
        rows = unsent(registration_id, MailKind.ACTIVATION_CODE)
    elif registration is not None:
        # In a batch, read at its start: its state now (an activation, an expiry since).
        state = db.session.scalar(
            select(Registration.state).where(Registration.id == registration_id)
        )
        set_committed_value(registration, "state", state)  # read, not a change to write
    if registration is None or registration.state not in PENDING_STATES:
        drop_obsolete(rows)
        log.info("activation code for registration %s skipped: no longer pending", registration_id)
        return "skipped"
    if not rows:
        log.info("activation code for registration %s already sent", registration_id)
        return "already sent"
    if already_handed(rows):
        # A retry of a job whose mail went out but whose bookkeeping did not commit.
        _mark_code_sent(registration, rows, utcnow())
        return "already sent"
    if not daily_cap.reserve(registration.email):
        # Before a new code is stored: the code already mailed, if any, stays valid.
        return daily_cap.refuse(rows, registration.email)

    connection = redis_store.connection
    ttl = _code_ttl()
    code = codes.generate_code()
    digest = codes.code_digest(current_app.config["SECRET_KEY"], registration.id, code)
    with connection.pipeline() as pipe:  # one round trip, atomic (MULTI)
        # Stored before sending (with slack) so the code works the moment it arrives; the
        # 48 h window itself starts at the hand-off below. Any earlier code stops working.
        codes.queue_code(pipe, registration.id, digest, ttl + 3600)
        # The link lives with this code (links.py): kept as long as the code's key at most.
        link_token = links.issue_link(pipe, registration.id, digest, ttl + 3600)
        codes.queue_was_burned(pipe, registration.id)
        burned = bool(pipe.execute()[-1])
    message = render_mail(
        "activation_code",
        subject=_l("Votre code d'activation espace-pro"),
        recipient=registration.email,
        language=registration.preferred_locale,
        code=code,
        # The code it replaces was burned by wrong tries: say so, the owner may not know.
        burned=burned,
        deadline=utcnow() + timedelta(seconds=ttl),
        registration=registration,
        activation_url=public_url_for("activation.activate", jeton=link_token),
    )
    handed_at = hand_off(
        registration,
        rows,
        MailKind.ACTIVATION_CODE,
        message,
        capped=True,
        then=lambda pipe: _code_handed(pipe, registration.id, ttl),
    )
    _mark_code_sent(registration, rows, handed_at)
    return "sent"


def _code_handed(pipe: Pipeline, registration_id: int, ttl: int) -> None:
    """The code's validity starts at the hand-off; the mail told of a burned code, if any."""
    codes.set_code_expiry(pipe, registration_id, ttl)
    codes.forget_burned(pipe, registration_id)


# How long a job taken out of the queue keeps its record in Redis: while it lasts, the job
# still exists for whoever asks (a replayed « Valider » does not enqueue a second one for a
# code being sent; the reconciler leaves the row to this job), then it is gone.
TAKEN_JOB_SECONDS = 300
# Take queued jobs out of the queue, atomically each: a job taken here was dequeued by no
# worker and never will be; its record expires (ARGV[1]: RQ's job key prefix; ARGV[2]: the
# record's lifetime; then the job ids).
_TAKE_JOBS = """
local taken = {}
for index = 3, #ARGV do
  if redis.call('LREM', KEYS[1], 1, ARGV[index]) == 1 then
    redis.call('EXPIRE', ARGV[1] .. ARGV[index], ARGV[2])
    taken[#taken + 1] = ARGV[index]
  end
end
return taken
"""


def drain_owed_codes(limit: int | None = None) -> int:
    """Send the activation codes whose jobs wait in the mail queue, up to `limit` (the
    MAIL_DRAIN_BATCH setting), in this job: one LRANGE, one SELECT … IN, their jobs taken
    out of the queue in one atomic script, the mails on the kept SMTP connection. RQ's
    bookkeeping (≈ 28 round trips a job) is paid once for the batch (docs/PERFORMANCE.md).

    Each mail keeps its guarantees: its hand-off mark in Redis (a retry never mails
    twice), its rows settled and committed with it. When anything fails, the taken rows
    not settled get their job back (enqueue_outbox; or the reconciler, once their taken job's
    record has expired).
    Returns how many registrations were taken.
    """
    limit = current_app.config.get("MAIL_DRAIN_BATCH", DRAIN_BATCH) if limit is None else limit
    if limit <= 0:
        return 0
    connection = redis_store.connection
    queue = mail_queue()
    waiting = [
        job_id.decode() if isinstance(job_id, bytes) else job_id
        for job_id in connection.lrange(queue.key, 0, 4 * limit - 1)
    ]
    row_ids = [
        int(job_id.removeprefix(OUTBOX_JOB_PREFIX))
        for job_id in waiting
        if job_id.startswith(OUTBOX_JOB_PREFIX) and job_id.removeprefix(OUTBOX_JOB_PREFIX).isdigit()
    ]
    if not row_ids:
        return 0
    owed = db.session.scalars(
        select(MailOutbox)
        .where(
            MailOutbox.id.in_(row_ids),
            MailOutbox.kind == MailKind.ACTIVATION_CODE,
            MailOutbox.sent_at.is_(None),
            MailOutbox.failed_at.is_(None),
        )
        .order_by(MailOutbox.id)
        .limit(limit)
    ).all()
    if not owed:
        return 0
    job_ids = [outbox_job_id(row.id) for row in owed]
    taken = connection.eval(
        _TAKE_JOBS, 1, queue.key, Job.redis_job_namespace_prefix, TAKEN_JOB_SECONDS, *job_ids
    )
    taken_rows = {
        int((job_id.decode() if isinstance(job_id, bytes) else job_id)[len(OUTBOX_JOB_PREFIX) :])
        for job_id in taken
    }
    registration_ids = sorted({row.registration_id for row in owed if row.id in taken_rows})
    if not registration_ids:
        return 0
    # Every unsent activation row of those registrations (a resend may owe two), and the
    # registrations, in two statements for the batch.
    rows_of: dict[int, list[MailOutbox]] = {rid: [] for rid in registration_ids}
    for row in db.session.scalars(
        select(MailOutbox)
        .where(
            MailOutbox.registration_id.in_(registration_ids),
            MailOutbox.kind == MailKind.ACTIVATION_CODE,
            MailOutbox.sent_at.is_(None),
            MailOutbox.failed_at.is_(None),
        )
        .order_by(MailOutbox.id)
    ):
        rows_of[row.registration_id].append(row)
    # Kept referenced: the session's identity map holds objects weakly, and `_send_code`
    # finds them there instead of one SELECT each.
    registrations = db.session.scalars(
        select(Registration).where(Registration.id.in_(registration_ids))
    ).all()
    done = 0
    try:
        with draining(), _kept_after_commit():
            for registration_id in registration_ids:
                with daily_cap.given_back_unless_spent():
                    _send_code(registration_id, rows_of[registration_id])
                done += 1
    except Exception:
        # This job's own mail is settled; the taken ones not settled go back to the queue
        # (their own job then records the failure, retries, or finds the hand-off mark).
        db.session.rollback()
        log.warning(
            "batch of activation codes stopped after %d of %d; the others are re-enqueued",
            done,
            len(registration_ids),
            exc_info=True,
        )
        for registration_id in registration_ids[done:]:
            for row in unsent(registration_id, MailKind.ACTIVATION_CODE):
                if row.id in taken_rows:
                    enqueue_outbox(row)
    else:
        log.info("activation codes of %d queued job(s) sent by this one", done)
    del registrations
    return len(registration_ids)


@contextlib.contextmanager
def _kept_after_commit() -> Iterator[None]:
    """While a batch is sent: the rows and registrations read for it stay loaded after each
    mail's commit, instead of one refresh SELECT per object and mail. Each mail's writes
    are its own rows (which only this job holds) and conditional UPDATEs; each mail reads
    its registration's state afresh (`_send_code`)."""
    session = db.session()
    kept = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = kept


def _mark_code_sent(
    registration: Registration, rows: list[MailOutbox], handed_at: datetime
) -> None:
    mark_sent(rows, handed_at)
    # Conditional, not through the object read before sending: the subscriber may already
    # have activated with this code (the mail arrives before this commit), and an active
    # space must stay active (found by tests/scale/test_two_web_three_workers.py).
    table = Registration.__table__  # Core: the object is not read after this
    db.session.execute(
        update(table)
        .where(table.c.id == registration.id, table.c.state.in_(PENDING_STATES))
        .values(
            state=RegistrationState.CODE_SENT,
            code_sent_at=handed_at,
            code_expires_at=handed_at + timedelta(seconds=_code_ttl()),
        )
    )
    db.session.commit()


@mail_job(MailKind.ALREADY_REGISTERED)
def send_already_registered(registration_id: int) -> str:
    """Tell an address's owner that someone asked for a space it already has."""
    return send_once(
        registration_id,
        MailKind.ALREADY_REGISTERED,
        lambda registration, recipient: render_mail(
            "already_registered",
            subject=_l("Votre demande de création d'espace espace-pro"),
            recipient=recipient,
            language=registration.preferred_locale,
            registration=registration,
            active=registration.state == RegistrationState.ACTIVE,
            login_url=public_url_for("account.login"),
            new_code_url=public_url_for("activation.new_code"),
        ),
        wanted=lambda registration: registration.state != RegistrationState.EXPIRED,
        capped=True,
    )
