"""The worker at saturation: M activation mails owed at once, one worker process, no web
traffic; mails per second as the sink receives them."""

from __future__ import annotations

import time
from datetime import datetime

from bench.stack import Stack


def owe_activation_mails(stack: Stack, run: str, count: int) -> list[str]:
    """Commit `count` pending registrations with their outbox rows, then enqueue the jobs
    exactly as « Valider » does (web.core.outbox.enqueue_outbox); return the addresses."""
    from web import create_app
    from web.core.outbox import enqueue_outbox
    from web.core.terms import TERMS_VERSION
    from web.extensions import db
    from web.models import MailKind, MailOutbox, Registration, RegistrationState

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": stack.database_url,
            "REDIS_URL": stack.redis_url,
            "SECRET_KEY": stack.secret_key,
            "AUTO_MIGRATE": False,
        }
    )
    addresses = [f"saturation-{run}-{index:05d}@example.com" for index in range(count)]
    with app.app_context():
        rows = []
        for email in addresses:
            registration = Registration(
                state=RegistrationState.PENDING,
                email=email,
                terms_version=TERMS_VERSION,
                terms_accepted_at=datetime(2026, 1, 5, 9, 0),
                preferred_locale="fr",
                civility="mme",
                last_name="Lefèvre",
                first_name="Hélène",
                company_id="732829320",
                contact_email=email,
                country="FR",
            )
            outbox = MailOutbox(registration=registration, kind=MailKind.ACTIVATION_CODE)
            db.session.add_all([registration, outbox])
            rows.append(outbox)
        db.session.commit()
        for outbox in rows:
            if not enqueue_outbox(outbox):
                raise RuntimeError("Redis refused a job")
        db.session.remove()
        db.engine.dispose()
    app.extensions["redis"].close()
    return addresses


def measure_worker(stack: Stack, run: str, count: int, timeout: float = 300) -> dict:
    """Stop the running workers, owe `count` mails, start one worker, time the drain."""
    for name in stack.worker_names():
        stack.stop_process(name)
    addresses = owe_activation_mails(stack, run, count)
    worker = stack.start_worker()
    name = next(name for name, process in stack.processes.items() if process is worker)
    deadline = time.monotonic() + timeout
    while not all(stack.sink.arrivals.get(email) for email in addresses):
        if worker.poll() is not None or time.monotonic() > deadline:
            got = sum(1 for email in addresses if stack.sink.arrivals.get(email))
            raise RuntimeError(f"the worker handed {got}/{count} mails:\n" + stack.logs(name))
        time.sleep(0.05)
    cpu = stack.cpu(name)
    arrivals = sorted(stack.sink.arrivals[email][0][0] for email in addresses)
    span = arrivals[-1] - arrivals[0]
    return {
        "mails": count,
        # From the first mail to the last: the worker's start-up (app, imports) left out.
        "seconds": round(span, 3),
        "mails_per_second": round((count - 1) / span, 1) if span > 0 else None,
        "worker_cpu_ms_per_mail": round(cpu * 1000 / count, 2),
    }
