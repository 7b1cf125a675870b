"""The catalogue of online services a dossier can adhere to, and the roles it can hold."""

from __future__ import annotations

from typing import Any, NamedTuple

from web.core.translations import lazy_gettext as _l


class Service(NamedTuple):
    """An online service: its stored key, name and one-line description (lazily translated)."""

    key: str
    label: Any
    description: Any


CATALOGUE: tuple[Service, ...] = (
    Service(
        "tva",
        _l("Déclarer et payer la TVA"),
        _l("Déposer les déclarations de TVA et payer la taxe due en ligne."),
    ),
    Service(
        "impot_societes",
        _l("Déclarer et payer l'impôt sur les sociétés"),
        _l("Déposer les relevés d'acompte et de solde et payer l'impôt en ligne."),
    ),
    Service(
        "compte_fiscal",
        _l("Consulter le compte fiscal"),
        _l("Retrouver les déclarations, paiements et avis de l'entreprise."),
    ),
    Service(
        "cfe",
        _l("Payer la CFE"),
        _l("Consulter les avis de cotisation foncière des entreprises et les payer."),
    ),
    Service(
        "messagerie",
        _l("Messagerie sécurisée"),
        _l("Échanger par écrit avec le service des impôts de l'entreprise."),
    ),
    Service(
        "resultats",
        _l("Déclarer les résultats"),
        _l("Déposer la déclaration de résultats et ses annexes (liasse fiscale)."),
    ),
)

ROLES: tuple[tuple[str, Any], ...] = (
    ("representant_legal", _l("Représentant légal")),
    ("mandataire", _l("Mandataire")),
)

_BY_KEY = {service.key: service for service in CATALOGUE}


def service_named(key: str) -> Service | None:
    """The catalogue's service with this key, or None."""
    return _BY_KEY.get(key)


def role_label(key: str) -> str:
    """The name of a role in the page's language (the key itself if unknown)."""
    return dict(ROLES).get(key, key)
