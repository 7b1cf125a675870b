"""Strangers' wrong codes cannot keep the owner from activating: the per-address limit
counts per IP too, and a code burned by wrong tries is announced on the page and replaced
at once by mail (within the daily mail cap), still with at most five tries per code."""

from __future__ import annotations

from tests.account.spaces import browser
from tests.activation.helpers import (
    EMAIL,
    REFUSED,
    activate,
    activated_number,
    ask_new_code,
    mails_to,
    refusal_text,
)
from tests.activation.test_activation_refusals import wrong
from tests.support import code_from, text_of

OWNER_IP = "203.0.113.5"
BURNED = "Ce code a été désactivé après cinq essais erronés."
BURNED_MAIL = "Votre code d'activation précédent a été désactivé après cinq essais erronés"


def stranger(app, number: int):
    return browser(app, f"198.51.100.{number + 1}")


def test_wrong_codes_from_other_ips_do_not_hold_back_the_owners_right_code(app, sign_up):
    app.config["RATELIMIT_ACTIVATION"] = "3 per hour"
    code = sign_up()
    for number in range(3):
        refused = activate(stranger(app, number), EMAIL, wrong(code, number + 1))
        assert refusal_text(refused).startswith(REFUSED)

    answer = activate(browser(app, OWNER_IP), EMAIL, code)

    assert answer.status_code == 200
    assert activated_number(answer) is not None


def test_ten_wrong_codes_from_anywhere_then_the_owner_activates_with_the_mailed_code(
    app, sign_up, run_worker, outbox
):
    code = sign_up()
    answers = [
        activate(stranger(app, number), EMAIL, wrong(code, 1 + number % 9)) for number in range(10)
    ]
    assert all(refusal_text(answer).startswith(REFUSED) for answer in answers)
    run_worker()

    new_mail = mails_to(outbox, EMAIL)[-1]
    assert BURNED_MAIL in text_of(new_mail)
    answer = activate(browser(app, OWNER_IP), EMAIL, code_from(new_mail))

    assert answer.status_code == 200
    assert activated_number(answer) is not None


def test_the_burning_try_says_so_and_a_new_code_is_mailed_at_once(
    app, client, sign_up, run_worker, outbox
):
    code = sign_up()
    # A new code was just asked for: RESEND_MIN_SECONDS does not hold back the renewal.
    ask_new_code(app.test_client(), EMAIL)
    run_worker()
    code = code_from(mails_to(outbox, EMAIL)[-1])
    for attempt in range(1, 5):
        assert BURNED not in refusal_text(activate(client, EMAIL, wrong(code, attempt)))

    fifth = activate(client, EMAIL, wrong(code, 5))

    assert refusal_text(fifth).startswith(REFUSED)
    assert BURNED in refusal_text(fifth)
    run_worker()
    (*_, renewal) = mails_to(outbox, EMAIL)
    assert len(mails_to(outbox, EMAIL)) == 3
    assert BURNED_MAIL in text_of(renewal)
    new = code_from(renewal)
    assert new != code
    assert refusal_text(activate(client, EMAIL, code)).startswith(REFUSED)
    assert activated_number(activate(client, EMAIL, new)) is not None


def test_an_address_without_a_code_gets_the_same_answer_at_the_fifth_wrong_try(
    app, client, run_worker, outbox
):
    unknown = "personne.inconnue@example.com"
    for attempt in range(1, 5):
        answer = activate(client, unknown, "ABCD-EFGH-JKM" + str(attempt))
        assert refusal_text(answer).startswith(REFUSED)
        assert BURNED not in refusal_text(answer)

    fifth = activate(client, unknown, "ABCD-EFGH-JKM5")

    assert BURNED in refusal_text(fifth)
    run_worker()
    assert outbox == []


def test_renewals_after_burns_stay_within_the_daily_mail_cap(
    app, client, sign_up, run_worker, outbox
):
    app.config["MAIL_MAX_PER_ADDRESS_PER_DAY"] = 2  # the sign-up's code and one renewal
    code = sign_up()
    for attempt in range(1, 6):
        activate(client, EMAIL, wrong(code, attempt))
    run_worker()
    renewed = code_from(mails_to(outbox, EMAIL)[-1])
    for attempt in range(1, 6):
        activate(client, EMAIL, wrong(renewed, attempt))
    run_worker()

    assert len(mails_to(outbox, EMAIL)) == 2
