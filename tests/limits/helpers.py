"""Limits test helpers: browsers at given IPs, documentation-range IPs, limited pages."""

from __future__ import annotations

import html

from flask import Flask

from tests.support import csrf_token
from tests.web.pages import Page

TOO_MANY = "Vous avez fait trop de demandes."


class Browser:
    """A test client with its own cookie jar, its requests coming from a chosen IP."""

    def __init__(self, app: Flask, ip: str = "203.0.113.10") -> None:
        self.client = app.test_client()
        self.at(ip)
        # One form token per session: any form of the site accepts it.
        self.token = csrf_token(self.client.get("/activation/").get_data(as_text=True))

    def at(self, ip: str) -> Browser:
        """Send the next requests from `ip` (what ProxyFix makes of X-Forwarded-For)."""
        self.client.environ_base["REMOTE_ADDR"] = ip
        return self

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with the session's token."""
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def documentation_ip(number: int) -> str:
    """The number-th address of two documentation ranges (203.0.113/24, 198.51.100/24),
    cycling: never a real host."""
    networks = ("203.0.113", "198.51.100")
    number %= 2 * 254
    return f"{networks[number // 254]}.{number % 254 + 1}"


def text(response) -> str:
    """The page's main text, entities decoded."""
    return html.unescape(Page(response).text)


def is_rate_limited(response) -> bool:
    """A 429 answered by the request limiter (not by a view's own refusal)."""
    return response.status_code == 429 and TOO_MANY in text(response)
