"""Telephone numbers, validated with libphonenumber and stored in E.164."""

from __future__ import annotations

import phonenumbers

from web.domain import N_, RuleError

_DEFAULT_REGION = "FR"
_INVALID = N_("Le numéro de téléphone n'est pas valide.")


def normalise_phone(value: str, region: str | None = "FR") -> str:
    """Return the number in E.164 form, reading national numbers in ``region``."""
    region = (region or "").upper()
    # An unknown region would make every national number unparsable.
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = _DEFAULT_REGION
    try:
        number = phonenumbers.parse(value or "", region)
    except phonenumbers.NumberParseException as exc:
        raise RuleError(_INVALID) from exc
    if not phonenumbers.is_valid_number(number):
        raise RuleError(_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
