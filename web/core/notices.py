"""The notices: mails that tell a subscriber about their space, and how each is sent.

A feature owes one with `notify`; the worker's job in mailer/notices.py writes it from
its template (`mailer/templates/<template>.txt` and `.html`) with the subject given here.
A security notice reports a history event (web/core/audit.py): what changed, when, from
which address (partly masked), and what to do if it was not the subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass

from web.core.outbox import send_mail
from web.core.translations import lazy_gettext as _l
from web.models import MailKind, Registration


@dataclass(frozen=True)
class Notice:
    """A notice's subject, whether anyone may cause it (then within the daily cap), and for
    a security notice the history event it reports and the sentence that says what changed
    (with %(moment)s and, for an address change, %(address)s: the event's masked detail; for
    a passkey, %(address)s is its name, the event's detail)."""

    subject: str
    capped: bool
    event: str | None = None
    what: str | None = None


NOTICES = {
    # Security notices reach the owner whatever the cap: only they can cause them.
    MailKind.PASSWORD_CHANGED: Notice(
        _l("Votre mot de passe espace-pro a été modifié"),
        False,
        "password_changed",
        _l(
            "Le mot de passe de votre espace abonné espace-pro a été modifié le %(moment)s "
            "(heure de Paris). Vos autres sessions ont été fermées."
        ),
    ),
    MailKind.PASSWORD_RESET: Notice(
        _l("Votre mot de passe espace-pro a été réinitialisé"),
        False,
        "password_reset",
        _l(
            "Le mot de passe de votre espace abonné espace-pro a été réinitialisé le %(moment)s "
            "(heure de Paris), après réponse à votre question de confiance. Toutes vos sessions "
            "ont été fermées : connectez-vous avec votre nouveau mot de passe."
        ),
    ),
    MailKind.CONTACT_CHANGED: Notice(
        _l("Vos coordonnées espace-pro ont été modifiées"),
        False,
        "contact_changed",
        _l(
            "Les coordonnées de votre espace abonné espace-pro (téléphone, adresse postale ou "
            "adresse de contact) ont été modifiées le %(moment)s (heure de Paris)."
        ),
    ),
    MailKind.TRUST_CHANGED: Notice(
        _l("Votre question de confiance espace-pro a été modifiée"),
        False,
        "trust_changed",
        _l(
            "La question de confiance de votre espace abonné espace-pro, et sa réponse, ont été "
            "modifiées le %(moment)s (heure de Paris)."
        ),
    ),
    MailKind.EMAIL_CHANGE_REQUESTED: Notice(
        _l("Demande de changement de votre adresse de connexion espace-pro"),
        False,
        "email_change_requested",
        _l(
            "Le %(moment)s (heure de Paris), il a été demandé de remplacer l'adresse de "
            "connexion de votre espace abonné espace-pro, qui est cette adresse, par "
            "%(address)s. Tant que cette nouvelle adresse n'est pas confirmée par le code "
            "qui lui a été envoyé, rien ne change : vous vous connectez toujours avec "
            "cette adresse."
        ),
    ),
    MailKind.EMAIL_CHANGED: Notice(
        _l("Votre adresse de connexion espace-pro a été modifiée"),
        False,
        "email_changed",
        _l(
            "Le %(moment)s (heure de Paris), l'adresse de connexion de votre espace abonné "
            "espace-pro a été remplacée par %(address)s. Cette adresse-ci ne permet plus de "
            "vous connecter, et vos autres sessions ont été fermées."
        ),
    ),
    MailKind.TWO_STEP_ENABLED: Notice(
        _l("La double authentification est activée sur votre espace espace-pro"),
        False,
        "two_step_enabled",
        _l(
            "La double authentification par application d'authentification a été activée sur "
            "votre espace abonné espace-pro le %(moment)s (heure de Paris) : chaque connexion "
            "demande désormais, après le mot de passe, un code de l'application."
        ),
    ),
    MailKind.TWO_STEP_DISABLED: Notice(
        _l("La double authentification est désactivée sur votre espace espace-pro"),
        False,
        "two_step_disabled",
        _l(
            "La double authentification par application d'authentification a été désactivée "
            "sur votre espace abonné espace-pro le %(moment)s (heure de Paris)."
        ),
    ),
    MailKind.RECOVERY_CODES_RENEWED: Notice(
        _l("Nouveaux codes de secours pour votre espace espace-pro"),
        False,
        "recovery_codes_renewed",
        _l(
            "Une nouvelle série de codes de secours a été créée pour votre espace abonné "
            "espace-pro le %(moment)s (heure de Paris) ; les codes précédents ne sont plus "
            "valables."
        ),
    ),
    MailKind.RECOVERY_CODE_USED: Notice(
        _l("Un code de secours de votre espace espace-pro a été utilisé"),
        False,
        "recovery_code_used",
        _l(
            "Un code de secours de votre espace abonné espace-pro a été utilisé le %(moment)s "
            "(heure de Paris) à la place du code de l'application d'authentification. Il ne "
            "servira plus."
        ),
    ),
    MailKind.PASSKEY_ADDED: Notice(
        _l("Une clé d'accès a été ajoutée à votre espace espace-pro"),
        False,
        "passkey_added",
        _l(
            "Une clé d'accès (%(address)s) a été ajoutée à votre espace abonné espace-pro le "
            "%(moment)s (heure de Paris) : elle permet de passer la deuxième étape de la "
            "connexion."
        ),
    ),
    MailKind.PASSKEY_REMOVED: Notice(
        _l("Une clé d'accès a été retirée de votre espace espace-pro"),
        False,
        "passkey_removed",
        _l(
            "La clé d'accès %(address)s a été retirée de votre espace abonné espace-pro le "
            "%(moment)s (heure de Paris)."
        ),
    ),
    MailKind.TWO_STEP_RESET: Notice(
        _l("La double authentification de votre espace espace-pro a été réinitialisée"),
        False,
        "two_step_reset",
        _l(
            "À votre demande, notre équipe a désactivé la double authentification de votre "
            "espace abonné espace-pro le %(moment)s (heure de Paris) : application "
            "d'authentification, codes de secours et clés d'accès. Connectez-vous avec votre "
            "mot de passe et activez-la de nouveau depuis « Sécurité »."
        ),
    ),
    # Anyone who knows an address (and a number) may ask for these.
    MailKind.RESET_LINK: Notice(_l("Réinitialisation de votre mot de passe espace-pro"), True),
    MailKind.SUBSCRIBER_NUMBER: Notice(_l("Votre numéro d'abonné espace-pro"), True),
    MailKind.UNLOCK_LINK: Notice(_l("Débloquez la connexion à votre espace espace-pro"), True),
    # Any subscriber may ask to move to an address: its owner's notice and the code are capped.
    MailKind.EMAIL_IN_USE: Notice(_l("Votre adresse électronique et espace-pro"), True),
    MailKind.EMAIL_CHANGE_CODE: Notice(
        _l("Confirmez votre nouvelle adresse de connexion espace-pro"), True
    ),
}


def notify(registration: Registration, kind: MailKind, recipient: str | None = None) -> bool:
    """Owe the subscriber a notice of this kind, commit, then enqueue its job; `recipient`:
    another address than the login address (an address change)."""
    if kind not in NOTICES:
        raise ValueError(f"{kind!r} is not a notice")
    return send_mail(registration, kind, recipient)
