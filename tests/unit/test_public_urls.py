"""Mail links are built on a URL map bound once to PUBLIC_URL (issue 17): the same links
as Flask's url_for in a request on PUBLIC_URL gives, a path prefix and arguments included."""

from __future__ import annotations

import pytest
from flask import url_for

from web.core.urls import public_url_for

LINKS = [
    ("account.login", {}),
    ("recovery.forgot_password", {}),
    ("activation.new_code", {}),
    ("activation.activate", {"jeton": "a.b-c_d/é ?&"}),
    ("recovery.reset", {"jeton": "xyz"}),
]


@pytest.mark.parametrize(
    "public_url",
    ["https://espace-pro.example.com", "http://127.0.0.1:8000", "https://example.com/espace/"],
)
def test_links_are_those_url_for_gives(app, public_url):
    app.config["PUBLIC_URL"] = public_url
    with app.app_context():
        built = [public_url_for(endpoint, **values) for endpoint, values in LINKS]
        with app.test_request_context(base_url=public_url):
            expected = [url_for(endpoint, _external=True, **values) for endpoint, values in LINKS]
    assert built == expected
    assert all(link.startswith(public_url.rstrip("/")) for link in built)
