"""Masked personal data, as notices and the space show it."""

from __future__ import annotations

import pytest

from web.domain.masking import mask_email, mask_ip


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("203.0.113.7", "203.0.x.x"),
        (" 198.51.100.23 ", "198.51.x.x"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:db8:x:x"),
        ("::ffff:192.0.2.1", "192.0.x.x"),  # an IPv4 client seen through an IPv6 socket
        ("::1", "0:0:x:x"),
        ("", ""),
        (None, ""),
        ("not an address", ""),
    ],
)
def test_an_ip_keeps_only_its_network_part(address, shown):
    assert mask_ip(address) == shown


def test_an_address_keeps_its_first_letter_and_domain():
    assert mask_email("helene.nouvelle@example.com") == "h**************@example.com"
    assert mask_email("a@example.com") == "a***@example.com"
