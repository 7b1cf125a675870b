"""Brute force on the activation code from a botnet: 1,000 wrong codes for one address,
from hundreds of client addresses, run at most five checks against the code; the right
code is then dead, and only the new one, mailed to the owner at the burn, activates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.activation.helpers import ACTIVATED, REFUSED, mails_to
from tests.limits.helpers import Browser, documentation_ip, is_rate_limited, text
from tests.support import WizardActions, code_from
from web.core.secrets import codes

EMAIL = "helene.lefevre@example.com"
ATTEMPTS = 1_000
# The address as a script might vary it to look like another one.
VARIANTS = [
    EMAIL,
    "Helene.Lefevre@example.com",
    " HELENE.LEFEVRE@EXAMPLE.COM",
    "helene.lefevre@EXAMPLE.com ",
]


@pytest.fixture
def check_calls(monkeypatch: pytest.MonkeyPatch) -> list[codes.CodeCheck]:
    """What every check of a typed code against Redis found, in order."""
    found: list[codes.CodeCheck] = []
    real_check = codes.check_code

    def spy(connection, registration_id, digest):
        result = real_check(connection, registration_id, digest)
        found.append(result)
        return result

    monkeypatch.setattr(codes, "check_code", spy)
    return found


def wrong_codes(right: str, count: int):
    """`count` well-formed codes, none of them the right one."""
    made = 0
    while made < count:
        candidate = codes.generate_code()
        if codes.normalise_code(candidate) != codes.normalise_code(right):
            made += 1
            yield candidate


@pytest.mark.app_config(PROXY_FIX_X_FOR=1)
def test_a_thousand_wrong_codes_from_a_botnet_run_at_most_five_checks_against_the_code(
    app, outbox, run_worker, check_calls
):
    WizardActions(app.test_client()).complete(email=EMAIL)
    run_worker()
    (mail,) = mails_to(outbox, EMAIL)
    right_code = code_from(mail)
    bot = Browser(app, "127.0.0.1")  # the proxy; the client is in X-Forwarded-For

    answers: dict[str, int] = {"limited": 0, "refused": 0, "other": 0}
    for number, code in enumerate(wrong_codes(right_code, ATTEMPTS)):
        answer = bot.post(
            "/activation/",
            {"email": VARIANTS[number % len(VARIANTS)], "code": code},
            headers={"X-Forwarded-For": documentation_ip(number)},
        )
        if answer.status_code == 429:  # the page itself is checked in test_request_limits
            answers["limited"] += 1
        elif answer.status_code == 200 and REFUSED in text(answer):
            answers["refused"] += 1
        else:
            answers["other"] += 1

    # Two tries per IP: under every limit (the per-address one counts per IP, so that
    # strangers cannot use up the owner's tries), so every one was checked...
    assert answers == {"limited": 0, "refused": ATTEMPTS, "other": 0}
    assert len(check_calls) == ATTEMPTS
    # ...but the fifth wrong code burned the code, and the later ones found none to compare
    # with until the worker mails the new one.
    against_the_code = [found for found in check_calls if found is not codes.CodeCheck.MISSING]
    assert len(against_the_code) == codes.MAX_WRONG_ATTEMPTS
    assert against_the_code[-1] is codes.CodeCheck.BURNED

    later = datetime.now(UTC) + timedelta(hours=1, seconds=5)
    with time_machine.travel(later, tick=False):
        person = Browser(app, "127.0.0.1")
        dead = person.post(
            "/activation/",
            {"email": EMAIL, "code": right_code},
            headers={"X-Forwarded-For": "198.51.100.200"},
        )
        assert not is_rate_limited(dead)
        assert REFUSED in text(dead)
        assert ACTIVATED not in text(dead)

        # One new code, mailed at the burn (the decoy burns after it mail nothing).
        outbox.clear()
        run_worker()
        (new_mail,) = mails_to(outbox, EMAIL)
        activated = person.post(
            "/activation/",
            {"email": EMAIL, "code": code_from(new_mail)},
            headers={"X-Forwarded-For": "198.51.100.200"},
            follow_redirects=True,
        )
        assert ACTIVATED in text(activated)


def test_a_forged_x_forwarded_for_gives_no_fresh_allowance_when_no_proxy_is_trusted(app):
    app.config["RATELIMIT_ACTIVATION_IP"] = "3 per hour"
    app.config["RATELIMIT_ACTIVATION"] = "100 per hour"
    bot = Browser(app, "203.0.113.66")
    answers = [
        bot.post(
            "/activation/",
            {"email": f"personne{number}@example.com", "code": "ABCD-EFGH-JKMN"},
            headers={"X-Forwarded-For": documentation_ip(number + 100)},
        )
        for number in range(4)
    ]

    assert [is_rate_limited(answer) for answer in answers] == [False, False, False, True]
