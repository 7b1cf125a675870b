"""Request limits on the forms strangers can post: per IP, per address, per registration
and per recovery flow. Past a limit: 429, Retry-After, and a French page saying when to
try again. GET pages are never limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from tests.account.spaces import ask_for_reset_link, frozen_clock
from tests.activation.helpers import REFUSED
from tests.limits.helpers import TOO_MANY, Browser, documentation_ip, is_rate_limited, text
from tests.support import WizardActions
from web import create_app
from web.extensions import db, limiter

# 10:30 in Paris (UTC+1 in November), on a whole second.
MONDAY_MORNING = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
WRONG_CODE = "ABCD-EFGH-JKMN"
STRANGER = "personne.inconnue@example.com"
STRANGER_VARIANTS = [STRANGER, "Personne.Inconnue@Example.com", "  PERSONNE.INCONNUE@EXAMPLE.COM "]


def form_data(url: str, number: int, email: str | None = None) -> dict:
    """A well-formed submission of the form at `url` (a different address each number)."""
    email = email or f"personne{number}@example.com"
    return {
        "/inscription/confirmation": {},
        "/inscription/attente/renvoyer": {},
        "/activation/": {"email": email, "code": WRONG_CODE},
        "/activation/nouveau-code": {"email": email},
        "/espace/connexion": {"email": email, "password": "Mauvais99Mot"},
        "/recuperation/mot-de-passe": {"email": email, "subscriber_number": "20263060000001"},
        "/recuperation/numero": {"email": email},
        "/recuperation/reinitialiser": {"answer": "Chocolat"},
    }[url]


PER_IP = [
    ("/inscription/confirmation", "RATELIMIT_CONFIRM_IP"),
    ("/inscription/attente/renvoyer", "RATELIMIT_RESEND_IP"),
    ("/activation/", "RATELIMIT_ACTIVATION_IP"),
    ("/activation/nouveau-code", "RATELIMIT_RESEND_IP"),
    ("/espace/connexion", "RATELIMIT_LOGIN_IP"),
    ("/recuperation/mot-de-passe", "RATELIMIT_RECOVERY_IP"),
    ("/recuperation/numero", "RATELIMIT_RECOVERY_IP"),
    ("/recuperation/reinitialiser", "RATELIMIT_RECOVERY_IP"),
]


@pytest.mark.parametrize(("url", "setting"), PER_IP)
def test_a_form_refuses_one_ip_past_its_limit_with_a_french_page_and_retry_after(app, url, setting):
    app.config[setting] = "3 per hour"
    with frozen_clock(MONDAY_MORNING):
        crawler = Browser(app, "203.0.113.7")
        answers = [crawler.post(url, form_data(url, number)) for number in range(3)]
        assert not any(is_rate_limited(answer) for answer in answers)

        refused = crawler.post(url, form_data(url, 3))

        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "3601"
        assert f"{TOO_MANY} Réessayez dans 60 minute(s)." in text(refused)
        assert "Trop de demandes" in text(refused)
        # Another IP is not concerned.
        assert not is_rate_limited(crawler.at("198.51.100.7").post(url, form_data(url, 4)))


@pytest.mark.parametrize(("url", "setting"), PER_IP)
def test_get_pages_are_never_limited_even_past_the_post_limit(app, url, setting):
    app.config[setting] = "1 per hour"
    visitor = Browser(app, "203.0.113.8")
    visitor.post(url, form_data(url, 0))
    assert is_rate_limited(visitor.post(url, form_data(url, 1)))

    pages = [visitor.get(url) for _ in range(30)]

    assert all(page.status_code != 429 for page in pages)
    assert all("X-RateLimit-Limit" not in page.headers for page in pages)


def test_the_activation_page_is_shown_again_and_again_to_one_ip(app):
    app.config.update(RATELIMIT_ACTIVATION_IP="2 per hour", RATELIMIT_ACTIVATION="2 per hour")
    visitor = Browser(app)

    pages = [visitor.get("/activation/") for _ in range(50)]

    assert {page.status_code for page in pages} == {200}
    assert all("Saisissez votre adresse électronique" in text(page) for page in pages)


def test_the_limiter_counts_in_the_apps_own_redis_database(app, redis_client):
    # The app fixture flushes this database per test: no count leaks from one test to the next.
    assert not redis_client.keys("LIMITS*")

    Browser(app).post("/activation/", form_data("/activation/", 0))

    assert redis_client.keys("LIMITS*")
    assert limiter.enabled


def test_a_limit_the_limiter_cannot_read_stops_the_app_at_start(app_config):
    # Flask-Limiter would log it and leave the form unlimited.
    app_config["RATELIMIT_ACTIVATION"] = "10 per week"

    with pytest.raises(RuntimeError, match="RATELIMIT_ACTIVATION='10 per week'"):
        create_app(app_config)


def test_an_app_built_with_the_limiter_off_leaves_it_on_for_the_next_app(app_config):
    # One Limiter object serves every app of a process (tests, the worker's app).
    redis_lib.Redis.from_url(app_config["REDIS_URL"]).flushdb()
    apps = [
        create_app({**app_config, "RATELIMIT_ENABLED": False}),
        create_app({**app_config, "RATELIMIT_RESEND_IP": "1 per hour"}),
    ]
    try:
        visitor = Browser(apps[1])
        first = visitor.post("/inscription/attente/renvoyer")
        second = visitor.post("/inscription/attente/renvoyer")

        assert limiter.enabled
        assert (first.status_code, is_rate_limited(second)) == (302, True)
    finally:
        for built in apps:
            built.extensions["redis"].close()
            with built.app_context():
                db.engine.dispose()


# --- per address, per registration, per flow --------------------------------------------


def test_activation_counts_per_typed_address_and_ip_whatever_the_address_case_or_spaces(app):
    app.config["RATELIMIT_ACTIVATION"] = "10 per hour"
    with frozen_clock(MONDAY_MORNING) as clock:
        bot = Browser(app, documentation_ip(0))
        for number in range(10):
            email = STRANGER_VARIANTS[number % len(STRANGER_VARIANTS)]
            answer = bot.post("/activation/", {"email": email, "code": WRONG_CODE})
            assert REFUSED in text(answer)

        refused = bot.post("/activation/", {"email": STRANGER_VARIANTS[2], "code": WRONG_CODE})

        assert is_rate_limited(refused)
        assert refused.headers["Retry-After"] == "3601"
        # Another address from the same IP is still checked...
        other = bot.post("/activation/", {"email": "marc.durand@example.com", "code": WRONG_CODE})
        assert REFUSED in text(other)
        # ...and so is the same address from another IP: a stranger's tries elsewhere never
        # hold back the owner's.
        owner = Browser(app, documentation_ip(1)).post(
            "/activation/", {"email": STRANGER, "code": WRONG_CODE}
        )
        assert REFUSED in text(owner)
        clock.shift(timedelta(hours=1, seconds=2))
        again = Browser(app, documentation_ip(0)).post(
            "/activation/", {"email": STRANGER, "code": WRONG_CODE}
        )
        assert REFUSED in text(again)


def test_a_new_code_is_asked_at_most_so_often_for_one_address_from_any_ip(app):
    app.config["RATELIMIT_RESEND"] = "3 per hour"
    with frozen_clock(MONDAY_MORNING):
        botnet = Browser(app)
        for number in range(3):
            answer = botnet.at(documentation_ip(number)).post(
                "/activation/nouveau-code", {"email": STRANGER_VARIANTS[number]}
            )
            assert answer.status_code == 302

        refused = botnet.at(documentation_ip(3)).post(
            "/activation/nouveau-code", {"email": STRANGER}
        )

        assert is_rate_limited(refused)
        assert (
            botnet.post(
                "/activation/nouveau-code", {"email": "marc.durand@example.com"}
            ).status_code
            == 302
        )


def test_resend_on_the_waiting_page_counts_per_registration_from_any_ip(app, run_worker):
    app.config["RATELIMIT_RESEND"] = "3 per hour"
    person = Browser(app, documentation_ip(0))
    WizardActions(person.client).complete(email="helene.lefevre@example.com")
    neighbour = Browser(app, documentation_ip(0))
    WizardActions(neighbour.client).complete(email="marc.durand@example.com")
    with frozen_clock(datetime.now(UTC)):
        for number in range(3):
            answer = person.at(documentation_ip(number)).post("/inscription/attente/renvoyer")
            assert answer.status_code == 302

        refused = person.at(documentation_ip(3)).post("/inscription/attente/renvoyer")

        assert is_rate_limited(refused)
        # Another registration, from the same IP, may still ask.
        assert neighbour.post("/inscription/attente/renvoyer").status_code == 302


@pytest.mark.parametrize("url", ["/recuperation/mot-de-passe", "/recuperation/numero"])
def test_recovery_is_asked_at_most_so_often_for_one_address_from_any_ip(app, url):
    app.config["RATELIMIT_RECOVERY"] = "3 per hour"
    with frozen_clock(MONDAY_MORNING):
        botnet = Browser(app)
        for number in range(3):
            answer = botnet.at(documentation_ip(number)).post(
                url, form_data(url, number, email=STRANGER_VARIANTS[number])
            )
            assert answer.status_code == 200

        refused = botnet.at(documentation_ip(3)).post(url, form_data(url, 3, email=STRANGER))

        assert is_rate_limited(refused)
        assert botnet.post(url, form_data(url, 4)).status_code == 200


def test_trust_answers_count_per_recovery_flow_from_any_ip(app, subscriber, outbox, run_worker):
    app.config["RATELIMIT_RECOVERY"] = "3 per hour"
    link = ask_for_reset_link(
        app, outbox, run_worker, subscriber.email, subscriber.subscriber_number
    )
    person = Browser(app)
    person.get(link)
    for number, left in zip(range(3), (4, 3, 2), strict=True):
        answer = person.at(documentation_ip(number)).post(
            "/recuperation/reinitialiser", {"answer": "Chocolat"}
        )
        assert f"Réponse incorrecte. Il vous reste {left} essai(s)." in text(answer)

    refused = person.at(documentation_ip(3)).post(
        "/recuperation/reinitialiser", {"answer": "Chocolat"}
    )

    assert is_rate_limited(refused)
    assert "Il vous reste" not in text(refused)


# --- when to try again -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "moment", "message", "seconds"),
    [
        ("1 per 30 seconds", MONDAY_MORNING, "Réessayez dans 1 minute(s).", 31),
        ("1 per 2 hours", MONDAY_MORNING, "Réessayez après 12:31 (heure de Paris).", 7201),
        (
            "1 per day",
            datetime(2026, 11, 2, 20, 0, tzinfo=UTC),
            "Réessayez demain après 21:01 (heure de Paris).",
            86401,
        ),
        (
            "1 per 7 days",
            MONDAY_MORNING,
            "Réessayez le 9 novembre 2026 après 10:31 (heure de Paris).",
            7 * 86400 + 1,
        ),
    ],
)
def test_the_page_says_when_to_retry_in_paris_time(app, limit, moment, message, seconds):
    app.config["RATELIMIT_ACTIVATION"] = limit
    with frozen_clock(moment):
        visitor = Browser(app)
        visitor.post("/activation/", form_data("/activation/", 0, email=STRANGER))

        refused = visitor.post("/activation/", form_data("/activation/", 0, email=STRANGER))

    assert refused.status_code == 429
    assert f"{TOO_MANY} {message}" in text(refused)
    assert refused.headers["Retry-After"] == str(seconds)


def test_the_defaults_let_a_typo_prone_person_through(app, subscriber, outbox, run_worker):
    # Defaults: a person who mistypes an address or a code a few times, asks for a new code
    # and logs in with a wrong password twice is never sent to a "too many" page.
    person = Browser(app, "203.0.113.20")
    answers = [
        person.post("/activation/", {"email": STRANGER, "code": WRONG_CODE}) for _ in range(4)
    ]
    answers += [person.post("/activation/nouveau-code", {"email": STRANGER}) for _ in range(3)]
    answers += [
        person.post("/espace/connexion", {"email": subscriber.email, "password": "Mauvais99Mot"})
        for _ in range(2)
    ]
    answers += [person.post("/recuperation/numero", {"email": subscriber.email}) for _ in range(3)]
    answers.append(
        person.post("/espace/connexion", {"email": subscriber.email, "password": "Kestrel42Vine"})
    )

    assert not any(answer.status_code == 429 for answer in answers)
    assert answers[-1].status_code == 302
