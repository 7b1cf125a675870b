"""The catalogue of online services a dossier can adhere to, and the roles it can hold."""

from __future__ import annotations

from typing import NamedTuple


class Service(NamedTuple):
    """An online service: its stored key, French name and one-line description."""

    key: str
    label: str
    description: str


CATALOGUE: tuple[Service, ...] = (
    Service("tva", "Déclarer et payer la TVA",
            "Déposer les déclarations de TVA et payer la taxe due en ligne."),
    Service("impot_societes", "Déclarer et payer l'impôt sur les sociétés",
            "Déposer les relevés d'acompte et de solde et payer l'impôt en ligne."),
    Service("compte_fiscal", "Consulter le compte fiscal",
            "Retrouver les déclarations, paiements et avis de l'entreprise."),
    Service("cfe", "Payer la CFE",
            "Consulter les avis de cotisation foncière des entreprises et les payer."),
    Service("messagerie", "Messagerie sécurisée",
            "Échanger par écrit avec le service des impôts de l'entreprise."),
    Service("resultats", "Déclarer les résultats",
            "Déposer la déclaration de résultats et ses annexes (liasse fiscale)."),
)

ROLES: tuple[tuple[str, str], ...] = (
    ("representant_legal", "Représentant légal"),
    ("mandataire", "Mandataire"),
)

_BY_KEY = {service.key: service for service in CATALOGUE}


def service_named(key: str) -> Service | None:
    """The catalogue's service with this key, or None."""
    return _BY_KEY.get(key)


def role_label(key: str) -> str:
    """The French name of a role (the key itself if unknown)."""
    return dict(ROLES).get(key, key)
