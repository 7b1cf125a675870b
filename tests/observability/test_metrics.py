"""/metrics: Prometheus text that prometheus_client parses, counters that move with a real
sign-up (web, worker, activation), queue depths from Redis, and a token in front."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.activation.helpers import EMAIL, activate, activated_number
from tests.apps import other_app
from tests.observability.helpers import METRICS_TOKEN, samples, value
from tests.observability.test_readyz import closed_redis_url
from tests.support import code_from
from web.models import MailKind

REQUESTS = "espace_pro_http_request_duration_seconds_count"


def test_a_sign_up_moves_the_counters_from_web_to_worker_to_activation(
    client, wizard, run_worker, outbox, scrape
):
    before = scrape()
    assert value(before, "espace_pro_signups_confirmed_total") == 0

    wizard.complete(email=EMAIL)
    queued = scrape()
    run_worker()
    sent = scrape()
    assert activated_number(activate(client, EMAIL, code_from_outbox(outbox)))
    after = scrape()

    assert value(queued, "espace_pro_signups_confirmed_total") == 1
    assert value(queued, "espace_pro_queue_jobs", queue="mail", state="queued") == 1
    assert value(queued, "espace_pro_mails_sent_total", kind="activation_code") == 0

    assert value(sent, "espace_pro_queue_jobs", queue="mail", state="queued") == 0
    assert value(sent, "espace_pro_mails_sent_total", kind="activation_code") == 1
    assert value(sent, "espace_pro_mail_handoff_seconds_count") == 1
    assert value(sent, "espace_pro_mail_handoff_seconds_bucket", le="+Inf") == 1
    assert value(sent, "espace_pro_activations_total") == 0

    assert value(after, "espace_pro_activations_total") == 1
    assert value(after, "espace_pro_mails_failed_total", kind="activation_code") == 0
    assert value(after, "espace_pro_redis_up") == 1
    # The request histogram, by endpoint name: one « Valider » more than before.
    confirm = {"endpoint": "registration.confirmation", "method": "POST", "status": "302"}
    assert value(after, REQUESTS, **confirm) == value(before, REQUESTS, **confirm) + 1
    activation = {"endpoint": "activation.activate", "method": "POST", "status": "302"}
    assert value(after, REQUESTS, **activation) == value(before, REQUESTS, **activation) + 1


def code_from_outbox(outbox: list) -> str:
    (mail,) = outbox
    return code_from(mail)


def test_every_mail_kind_has_its_series_from_the_start(scrape):
    found = scrape()

    for kind in MailKind:
        assert ("espace_pro_mails_sent_total", frozenset({("kind", kind.value)})) in found
        assert ("espace_pro_mails_failed_total", frozenset({("kind", kind.value)})) in found


@pytest.mark.app_config(MAIL_PORT=1)  # nothing listens there
def test_a_failed_smtp_hand_off_is_counted(wizard, run_worker, scrape):
    wizard.complete(email=EMAIL)
    run_worker()

    found = scrape()
    assert value(found, "espace_pro_mails_failed_total", kind="activation_code") == 1
    assert value(found, "espace_pro_mails_sent_total", kind="activation_code") == 0
    # Retried later: the job waits in the scheduled registry.
    assert value(found, "espace_pro_queue_jobs", queue="mail", state="scheduled") == 1


def test_expired_registrations_are_counted(app: Flask, wizard, run_worker, scrape, time_machine):
    from mailer.maintenance import expire_registrations

    wizard.complete(email=EMAIL)
    run_worker()
    time_machine.move_to(timedelta(hours=49))
    with app.app_context():
        assert expire_registrations() == 1

    assert value(scrape(), "espace_pro_registrations_expired_total") == 1


def test_paths_never_become_labels(client, scrape):
    for path in ("/nulle-part-1", "/nulle-part-2", "/nulle-part-3"):
        assert client.get(path).status_code == 404

    found = scrape()
    assert value(found, REQUESTS, endpoint="none", method="GET", status="404") >= 3
    assert not [key for key in found if "nulle-part" in str(key)]


def test_a_token_guards_the_metrics(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    basic = client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
    assert basic.status_code == 401

    right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status_code == 200
    assert "Set-Cookie" not in right.headers
    assert samples(right.get_data(as_text=True))


@pytest.mark.app_config(METRICS_TOKEN=None)
def test_without_a_token_metrics_are_open_in_development_only(app_config: dict, client):
    assert client.get("/metrics").status_code == 200

    with other_app(
        app_config
        | {
            "APP_ENV": "production",
            "DEV_MAILBOX_DIR": None,
            "SECRET_KEY": "obs-production-secret-0123456789-abcdefghijklmnop",
        }
    ) as production:
        assert production.test_client().get("/metrics").status_code == 404


def test_a_scrape_without_redis_still_answers(app_config: dict):
    with other_app(app_config | {"REDIS_URL": closed_redis_url()}) as lost:
        response = lost.test_client().get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )

    assert response.status_code == 200
    found = samples(response.get_data(as_text=True))
    assert value(found, "espace_pro_redis_up") == 0
    assert ("espace_pro_signups_confirmed_total", frozenset()) not in found
