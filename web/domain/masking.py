"""Masked forms of personal data, for logs and operator output."""

from __future__ import annotations


def mask_email(address: str | None) -> str:
    """Keep the first letter and the domain: helene@example.com -> h*****@example.com."""
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"
