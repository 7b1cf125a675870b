"""`python bench/owe_mails.py RUN COUNT`, run in the checkout being measured (its code on
PYTHONPATH, the stack's environment): commit COUNT pending registrations with their
activation outbox rows, then enqueue their jobs as « Valider » does (enqueue_outbox).

A script rather than an import, so that `--baseline` owes the mails with the baseline's own
code (its jobs, its queue), not with this checkout's.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime


def addresses(run: str, count: int) -> list[str]:
    """The addresses the saturation mails go to."""
    return [f"saturation-{run}-{index:05d}@example.com" for index in range(count)]


def main(run: str, count: int) -> None:
    from web import create_app
    from web.core.outbox import enqueue_outbox
    from web.core.terms import TERMS_VERSION
    from web.extensions import db
    from web.models import MailKind, MailOutbox, Registration, RegistrationState

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "AUTO_MIGRATE": False,
        }
    )
    with app.app_context():
        rows = []
        for email in addresses(run, count):
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


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
