"""Subscriber number format: the seed's example and the Paris calendar day."""

from datetime import datetime

import pytest

from web.domain.subscriber_number import subscriber_number


def test_seed_example_second_of_november_2014():
    assert subscriber_number(datetime(2014, 11, 2, 10, 0), 47878) == "20143060047878"


def test_day_follows_paris_not_utc_just_before_midnight_utc():
    # 23:30 UTC on 31 December is already 1 January in Paris.
    assert subscriber_number(datetime(2025, 12, 31, 23, 30), 1) == "20260010000001"


def test_leap_year_last_day_is_366():
    assert subscriber_number(datetime(2024, 12, 31, 12, 0), 12) == "20243660000012"


@pytest.mark.parametrize("counter", [0, 10_000_000])
def test_counter_outside_seven_digits_is_refused(counter):
    with pytest.raises(ValueError):
        subscriber_number(datetime(2026, 1, 1, 12, 0), counter)


def test_masked_address_keeps_only_the_first_letter_and_the_domain():
    from web.domain.masking import mask_email

    assert mask_email("helene.lefevre@example.com") == "h*************@example.com"
    assert "helene" not in mask_email("helene@example.com")
    assert mask_email("a@example.com") == "a***@example.com"
    assert mask_email(None) == "***"
