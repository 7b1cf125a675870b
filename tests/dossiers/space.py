"""The dossiers pages driven as a browser would, and the rows behind them."""

from __future__ import annotations

from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support import page_token
from web.extensions import db
from web.models import Adhesion, AuditEvent, Dossier

OTHER_EMAIL = "marc.durand@example.com"


class Space:
    """Post forms of the dossiers pages as the browser would, and read the rows behind them."""

    def __init__(self, app: Flask, client: FlaskClient, registration_id: int) -> None:
        self.app, self.client, self.registration_id = app, client, registration_id

    def token(self, url: str = "/espace/dossiers/") -> str:
        return page_token(self.client.get(url).get_data(as_text=True))

    def post(
        self, url: str, data: dict | None = None, token_from: str = "/espace/dossiers/", **kwargs
    ):
        return self.client.post(
            url, data={"csrf_token": self.token(token_from), **(data or {})}, **kwargs
        )

    def add(self, siren: str, label: str = "", **kwargs):
        return self.post(
            "/espace/dossiers/ajouter",
            {"siren": siren, "label": label},
            token_from="/espace/dossiers/ajouter",
            **kwargs,
        )

    def upload(self, content: bytes | None, filename: str = "clients.csv", **kwargs):
        """Send a file to the import page (None: the form without a file)."""
        fields = {"csrf_token": self.token("/espace/dossiers/importer")}
        if content is not None:
            fields["file"] = FileStorage(BytesIO(content), filename, content_type="text/csv")
        # Encoded in memory: the test client would spool a large body to an unclosed temp file.
        boundary, body = encode_multipart(fields)
        return self.client.post(
            "/espace/dossiers/importer",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            **kwargs,
        )

    def adhere(self, dossier_id: int, service: str, role: str | None, **kwargs):
        data = {f"{service}-role": role} if role else {}
        return self.post(
            f"/espace/dossiers/{dossier_id}/services/{service}/adherer",
            data,
            token_from=f"/espace/dossiers/{dossier_id}",
            **kwargs,
        )

    def withdraw(self, dossier_id: int, adhesion_id: int, **kwargs):
        """« Confirmer le retrait » on the confirmation page of « Retirer »."""
        url = f"/espace/dossiers/{dossier_id}/adhesions/{adhesion_id}/retirer"
        return self.post(url, token_from=f"/espace/dossiers/{dossier_id}", **kwargs)

    def dossiers(self) -> list[Dossier]:
        """The subscriber's dossiers, oldest first, detached."""
        with self.app.app_context():
            rows = list(
                db.session.scalars(
                    select(Dossier)
                    .where(Dossier.registration_id == self.registration_id)
                    .order_by(Dossier.id)
                )
            )
            db.session.expunge_all()
            return rows

    def sirens(self) -> list[str]:
        return [dossier.siren for dossier in self.dossiers()]

    def adhesions(self, dossier_id: int | None = None) -> list[Adhesion]:
        with self.app.app_context():
            query = select(Adhesion).order_by(Adhesion.id)
            if dossier_id is not None:
                query = query.where(Adhesion.dossier_id == dossier_id)
            rows = list(db.session.scalars(query))
            db.session.expunge_all()
            return rows

    def events(self, kind: str | None = None) -> list[AuditEvent]:
        with self.app.app_context():
            query = (
                select(AuditEvent)
                .where(AuditEvent.registration_id == self.registration_id)
                .order_by(AuditEvent.id)
            )
            if kind is not None:
                query = query.where(AuditEvent.kind == kind)
            rows = list(db.session.scalars(query))
            db.session.expunge_all()
            return rows

    def insert(self, sirens: list[str], labels: list[str] | None = None) -> list[int]:
        """Add dossier rows directly (bulk set-up for paging and limits); return their ids."""
        with self.app.app_context():
            rows = [
                Dossier(
                    registration_id=self.registration_id,
                    siren=siren,
                    label=labels[i] if labels else f"Entreprise {i + 1:03d}",
                )
                for i, siren in enumerate(sirens)
            ]
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]
