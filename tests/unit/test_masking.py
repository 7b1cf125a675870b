"""Unit tests for web.domain.masking: addresses and IPs shown only in part."""

from __future__ import annotations

import pytest

from web.domain.masking import mask_email, mask_ip


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("192.168.1.20", "192.168.x.x"),
        ("203.0.113.77", "203.0.x.x"),
        (" 10.0.0.1 ", "10.0.x.x"),
        ("::ffff:198.51.100.7", "198.51.x.x"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:db8:x:x:x:x:x:x"),
        ("2001:0db8:0000:0000::1", "2001:db8:x:x:x:x:x:x"),
        ("::1", "0:0:x:x:x:x:x:x"),
        ("fe80::1%eth0", "fe80:0:x:x:x:x:x:x"),
    ],
)
def test_an_ip_keeps_only_its_network_part(address: str, masked: str) -> None:
    assert mask_ip(address) == masked


@pytest.mark.parametrize("address", ["2001:db8:85a3::8a2e:370:7334", "192.168.1.20"])
def test_a_masked_ip_holds_nothing_of_its_host_part(address: str) -> None:
    host_part = address.split(":")[-1] if ":" in address else address.split(".")[-1]
    assert host_part not in mask_ip(address)


@pytest.mark.parametrize("address", [None, "", "inconnu", "300.1.2.3", "1.2.3", "<script>"])
def test_something_that_is_not_an_ip_is_shown_as_a_dash(address: str | None) -> None:
    assert mask_ip(address) == "—"


def test_an_address_keeps_its_first_letter_and_domain() -> None:
    assert mask_email("helene@example.com") == "h*****@example.com"
    assert mask_email("a@example.com") == "a***@example.com"
    assert mask_email("pas-une-adresse") == "***"
