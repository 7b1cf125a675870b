"""Authorisation: own dossiers only (404 otherwise), CSRF on every POST, login required."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.dossiers.space import OTHER_EMAIL, Space
from tests.support import csrf_token
from web.extensions import db
from web.models import Adhesion, AuditEvent, Dossier


@pytest.fixture
def other(
    app: Flask,
    make_subscriber: Callable[..., int],
    log_in: Callable[[str], FlaskClient],
    space: Space,
) -> Space:
    """A second subscriber, logged in on its own client."""
    registration_id = make_subscriber(OTHER_EMAIL, "20263100000002")
    return Space(app, log_in(OTHER_EMAIL), registration_id)


@pytest.fixture
def owned(space: Space) -> dict[str, int]:
    """The main subscriber's dossier with a current and a withdrawn adhesion."""
    space.add("732829320", "Boulangerie Martin")
    dossier_id = space.dossiers()[0].id
    space.adhere(dossier_id, "cfe", "mandataire")
    space.withdraw(dossier_id, space.adhesions()[0].id)
    space.adhere(dossier_id, "tva", "representant_legal")
    return {
        "dossier": dossier_id,
        "current": space.adhesions()[1].id,
        "withdrawn": space.adhesions()[0].id,
    }


def snapshot(app: Flask) -> list:
    """Every dossier, adhesion and audit row, to prove nothing changed."""
    with app.app_context():
        return [
            [
                (d.id, d.registration_id, d.siren, d.label)
                for d in db.session.scalars(select(Dossier).order_by(Dossier.id))
            ],
            [
                (a.id, a.dossier_id, a.service, a.role, a.withdrawn_at)
                for a in db.session.scalars(select(Adhesion).order_by(Adhesion.id))
            ],
            [
                (e.id, e.kind)
                for e in db.session.scalars(
                    select(AuditEvent).where(AuditEvent.kind != "login").order_by(AuditEvent.id)
                )
            ],
        ]


def urls(ids: dict[str, int]) -> list[tuple[str, str, dict]]:
    dossier, current, withdrawn = ids["dossier"], ids["current"], ids["withdrawn"]
    return [
        ("GET", f"/espace/dossiers/{dossier}", {}),
        ("GET", f"/espace/dossiers/{dossier}/supprimer", {}),
        ("POST", f"/espace/dossiers/{dossier}/supprimer", {}),
        (
            "POST",
            f"/espace/dossiers/{dossier}/services/messagerie/adherer",
            {"messagerie-role": "mandataire"},
        ),
        ("POST", f"/espace/dossiers/{dossier}/services/tva/adherer", {"tva-role": "mandataire"}),
        ("GET", f"/espace/dossiers/{dossier}/adhesions/{current}/retirer", {}),
        ("POST", f"/espace/dossiers/{dossier}/adhesions/{current}/retirer", {}),
        ("GET", f"/espace/dossiers/{dossier}/adhesions/{withdrawn}/retirer", {}),
        ("POST", f"/espace/dossiers/{dossier}/adhesions/{withdrawn}/retirer", {}),
    ]


def test_another_subscriber_gets_404_on_every_url_and_changes_nothing(
    app: Flask, space: Space, other: Space, owned: dict[str, int]
):
    other.add("552100554", "Garage Durand")
    mine = other.dossiers()[0].id
    before = snapshot(app)
    token = other.token()
    attempts = urls(owned) + [
        # Someone else's adhesion reached through one's own dossier.
        ("GET", f"/espace/dossiers/{mine}/adhesions/{owned['current']}/retirer", {}),
        ("POST", f"/espace/dossiers/{mine}/adhesions/{owned['current']}/retirer", {}),
    ]
    for method, url, data in attempts:
        if method == "GET":
            response = other.client.get(url)
        else:
            response = other.client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404, (method, url)
        assert "Page introuvable" in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert "Boulangerie Martin" not in other.client.get("/espace/dossiers/").get_data(as_text=True)
    assert "Boulangerie Martin" not in other.client.get("/espace/dossiers/?q=732829320").get_data(
        as_text=True
    )
    # The owner still has everything.
    page = space.client.get(f"/espace/dossiers/{owned['dossier']}").get_data(as_text=True)
    assert "Boulangerie Martin" in page


def test_unknown_ids_are_404(space: Space, owned: dict[str, int]):
    assert space.client.get("/espace/dossiers/999999").status_code == 404
    unknown = f"/espace/dossiers/{owned['dossier']}/adhesions/999999/retirer"
    for response in (space.client.get(unknown), space.post(unknown)):
        assert response.status_code == 404
        assert "Page introuvable" in response.get_data(as_text=True)
    # An adhesion of the space, asked for through a dossier it does not belong to.
    space.add("552100554", "Garage Durand")
    elsewhere = next(d.id for d in space.dossiers() if d.siren == "552100554")
    crossed = f"/espace/dossiers/{elsewhere}/adhesions/{owned['current']}/retirer"
    assert space.client.get(crossed).status_code == 404


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(
    app: Flask, space: Space, owned: dict[str, int]
):
    before = snapshot(app)
    posts = [(url, data) for method, url, data in urls(owned) if method == "POST"] + [
        ("/espace/dossiers/ajouter", {"siren": "552100554"}),
        ("/espace/dossiers/importer", {}),
    ]
    for url, data in posts:
        response = space.client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Le formulaire a expiré ou n'est plus valide" in response.get_data(as_text=True)
        forged = space.client.post(url, data={"csrf_token": "forged", **data})
        assert forged.status_code == 400, url
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "url",
    [
        "/espace/dossiers/",
        "/espace/dossiers/ajouter",
        "/espace/dossiers/importer",
        "/espace/dossiers/1",
        "/espace/dossiers/1/supprimer",
        "/espace/dossiers/1/adhesions/1/retirer",
    ],
)
def test_a_visitor_is_sent_to_the_login_page(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/espace/connexion")


def test_a_visitor_cannot_post_either(
    app: Flask, client: FlaskClient, space: Space, owned: dict[str, int]
):
    before = snapshot(app)
    page = client.get("/espace/connexion").get_data(as_text=True)
    response = client.post(
        f"/espace/dossiers/{owned['dossier']}/supprimer", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/espace/connexion")
    assert snapshot(app) == before


def test_pages_are_never_cached(space: Space, owned: dict[str, int]):
    for url in (
        "/espace/dossiers/",
        f"/espace/dossiers/{owned['dossier']}",
        "/espace/dossiers/ajouter",
        "/espace/dossiers/importer",
        f"/espace/dossiers/{owned['dossier']}/supprimer",
        f"/espace/dossiers/{owned['dossier']}/adhesions/{owned['current']}/retirer",
        "/espace/dossiers/424242",
    ):
        assert space.client.get(url).headers["Cache-Control"] == "no-store", url
