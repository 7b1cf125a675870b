"""Flask-Limiter with its Redis down. The choice is to fail closed: a limit that cannot be
checked answers the French 503 page (never a 500, never a hang), and the form does nothing.
Failing open would turn the outage into an address oracle: « Demander un nouveau code »
needs no Redis for an unknown address, but does for a pending one."""

from __future__ import annotations

import pytest

from tests.faults.checks import assert_unavailable, promptly
from tests.support import WizardActions, csrf_token
from tests.web.pages import Page
from web.models import MailOutbox

EMAIL = "helene.lefevre@example.com"
UNKNOWN = "personne@example.com"


def ask_new_code(client, token: str, email: str):
    return client.post("/activation/nouveau-code", data={"csrf_token": token, "email": email})


def without_token(response) -> str:
    html = Page(response).html
    return html.replace(csrf_token(html), "") if 'name="csrf_token"' in html else html


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_limited_form_with_redis_down_answers_503_alike_for_known_and_unknown_addresses(
    app, redis_server, count, how
):
    WizardActions(app.test_client()).complete(email=EMAIL)  # a pending registration
    browser = app.test_client()
    token = csrf_token(browser.get("/activation/nouveau-code").get_data(as_text=True))

    redis_server.shutdown() if how == "stopped" else redis_server.freeze()
    answers = [
        promptly(lambda email=email: ask_new_code(browser, token, email), on_hang=redis_server.thaw)
        for email in (EMAIL, UNKNOWN)
    ]

    for answer in answers:
        assert_unavailable(answer)
    assert without_token(answers[0]) == without_token(answers[1])
    assert count(MailOutbox) == 1  # the sign-up's only
    redis_server.start() if how == "stopped" else redis_server.thaw()
    # Once Redis is back, the limit is checked again and the form works (no restart).
    again = ask_new_code(browser, token, UNKNOWN)
    assert again.status_code == 302 and again.location == "/activation/"
    assert again.headers["X-RateLimit-Limit"]
