"""Masked forms of personal data, for logs, operator output and the subscriber's notices."""

from __future__ import annotations

import ipaddress


def mask_email(address: str | None) -> str:
    """Keep the first letter and the domain: helene@example.com -> h*****@example.com."""
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"


def mask_ip(address: str | None) -> str:
    """Keep the network part a person recognises: 203.0.113.7 -> 203.0.x.x,
    2001:db8:85a3::7 -> 2001:db8:x:x (IPv4-mapped IPv6 shown as IPv4)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""  # unknown: the caller says so in the reader's language
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        first, second, *_ = str(ip).split(".")
        return f"{first}.{second}.x.x"
    groups = ip.exploded.split(":")
    return f"{int(groups[0], 16):x}:{int(groups[1], 16):x}:x:x"
