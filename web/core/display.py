"""How stored identifiers are shown, on pages and in the printed form.

Kept apart from web/core/registration_pdf.py: the page filters `siren` and `phone` use them
on every confirmation page, and importing WeasyPrint there cost each web process ≈ 0.6 s of
CPU (more under load) at its first confirmation page, outside the collector's freeze.
"""

from __future__ import annotations

import phonenumbers
from stdnum.fr import siren


def format_company_id(company_id: str | None, foreign: bool) -> str:
    """Show a French SIREN grouped by three ("732 829 320"); a foreign identifier as stored."""
    if not company_id:
        return ""
    return company_id if foreign else siren.format(company_id)


def format_phone(e164: str | None) -> str:
    """Show a stored E.164 number in international format ("+33 6 12 34 56 78")."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
