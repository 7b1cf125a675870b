"""« Modifier vos coordonnées »: contact details edited from the space, with the wizard's rules."""

from html import unescape

from sqlalchemy import select

from tests.support import log_in, post_form
from web.extensions import db
from web.models import AuditEvent, Registration

NEW_CONTACT = {
    "phone": "+44 20 7946 0958",
    "contact_email": "Contact.Cabinet@Example.com",
    "street_number": "3",
    "street_type": "avenue",
    "street_name": "des Tilleuls",
    "address_complement": "",
    "postal_code": "SW1A 1AA",
    "city": "London",
    "country": "GB",
}


def test_contact_details_are_saved_normalised_and_recorded_in_the_history(app, client, subscriber):
    log_in(client)
    response = post_form(client, "/espace/coordonnees", NEW_CONTACT, follow=True)
    html = response.get_data(as_text=True)
    assert "Vos coordonnées ont été enregistrées." in html
    assert "+44 20 7946 0958" in html and "Avenue des Tilleuls" in html
    with app.app_context():
        saved = db.session.get(Registration, subscriber.id)
        assert (saved.phone, saved.contact_email, saved.country) == (
            "+442079460958",
            "contact.cabinet@example.com",
            "GB",
        )
        assert saved.last_name == subscriber.last_name  # identity is not editable here
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "contact_changed" in kinds


def test_bad_contact_details_get_messages_beside_the_fields_and_change_nothing(
    app, client, subscriber
):
    log_in(client)
    response = post_form(
        client,
        "/espace/coordonnees",
        NEW_CONTACT | {"phone": "12", "country": "FR", "postal_code": "7501"},
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'id="phone-error"' in html and "n'est pas valide" in html
    assert 'id="postal_code-error"' in html and "5 chiffres" in html
    with app.app_context():
        assert db.session.get(Registration, subscriber.id).phone == subscriber.phone


def test_contact_page_needs_a_login(client):
    response = client.get("/espace/coordonnees")
    assert response.status_code == 302 and "/espace/connexion" in response.location
