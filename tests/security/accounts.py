"""Helpers for the hardening tests: Set-Cookie parsing, forms posted with a browser's Referer."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header: name, value and attributes (names lower-cased)."""

    name: str
    value: str
    attributes: dict[str, str]

    @property
    def flags(self) -> set[str]:
        """The attribute names present (secure, httponly, path, ...)."""
        return set(self.attributes)


def set_cookies(response) -> dict[str, SetCookie]:
    """The cookies a response sets, by name."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *parts = [part.strip() for part in header.split(";")]
        name, _, value = pair.partition("=")
        attributes = {}
        for part in parts:
            key, _, attribute_value = part.partition("=")
            attributes[key.lower()] = attribute_value
        found[name] = SetCookie(name, value, attributes)
    return found


def browser_referer(page_url: str, policy: str | None) -> str | None:
    """The Referer a browser sends to the page's own origin under its Referrer-Policy."""
    if policy == "no-referrer":
        return None
    if policy in ("origin", "strict-origin"):
        scheme, _, rest = page_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/"
    return page_url  # same-origin, strict-origin-when-cross-origin (the default), ...


def submit_like_a_browser(client: FlaskClient, url: str, data: dict, **kwargs):
    """GET the form, then POST it with the Referer a browser would send under the page's policy."""
    from tests.support import csrf_token

    page = client.get(url, **kwargs)
    assert page.status_code == 200, (url, page.status_code)
    headers = {}
    referer = browser_referer(page.request.url, page.headers.get("Referrer-Policy"))
    if referer is not None:
        headers["Referer"] = referer
    return client.post(
        url,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data},
        headers=headers,
        follow_redirects=True,
        **kwargs,
    )
