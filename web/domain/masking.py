"""Masked forms of personal data, for logs, operator output and the subscriber's pages."""

from __future__ import annotations

import ipaddress


def mask_email(address: str | None) -> str:
    """Keep the first letter and the domain: helene@example.com -> h*****@example.com."""
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"


def mask_ip(address: str | None) -> str:
    """Keep the network part: 192.168.1.20 -> 192.168.x.x, 2001:db8:1::5 -> 2001:db8:x:x:…"""
    try:
        # Without a zone (fe80::1%eth0): the host's interface name is nobody's business.
        ip = ipaddress.ip_address((address or "").strip().partition("%")[0])
    except ValueError:
        return "—"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:192.0.2.1, as a dual-stack server may see an IPv4 client
    if ip.version == 4:
        first, second, _, _ = str(ip).split(".")
        return f"{first}.{second}.x.x"
    groups = ip.exploded.split(":")
    return ":".join(group.lstrip("0") or "0" for group in groups[:2]) + ":x:x:x:x:x:x"
