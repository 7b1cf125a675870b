"""The subscriber number: year + day of year of the activation in Paris + a 7-digit counter."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.activation.helpers import activate, activated_number
from tests.web.pages import Page


def test_number_uses_the_paris_date_of_the_activation(app, time_machine, sign_up, registration):
    # 31 December 2026, 23:30 UTC is already 1 January 2027, 00:30 in Paris.
    time_machine.move_to(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=True)
    code = sign_up("helene.lefevre@example.com")

    response = activate(app.test_client(), "helene.lefevre@example.com", code)

    number = activated_number(response)
    assert number == "2027001" + "0000001"
    assert (
        "Votre inscription a été réalisée le 1 janvier 2027 sous le numéro" in Page(response).text
    )
    assert registration().subscriber_number == number


def test_number_in_summer_uses_the_paris_day_of_year(app, time_machine, sign_up):
    # 2 November 2014, the design's example: day 306.
    time_machine.move_to(datetime(2014, 11, 2, 10, 0, tzinfo=UTC), tick=True)
    code = sign_up("helene.lefevre@example.com")

    number = activated_number(activate(app.test_client(), "helene.lefevre@example.com", code))

    assert number == "20143060000001"


def test_two_activations_get_consecutive_unique_counters(app, time_machine, sign_up, registration):
    time_machine.move_to(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=True)
    first_code = sign_up("helene.lefevre@example.com")
    second_code = sign_up("marc.durand@example.com")

    # Activated in the other order than signed up: the counter follows the activations.
    second = activated_number(activate(app.test_client(), "marc.durand@example.com", second_code))
    first = activated_number(activate(app.test_client(), "helene.lefevre@example.com", first_code))

    assert second == "20270010000001"
    assert first == "20270010000002"
    assert registration("marc.durand@example.com").subscriber_number == second
    assert registration("helene.lefevre@example.com").subscriber_number == first
