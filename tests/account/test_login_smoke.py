"""Log in, see the space, log out: an old cookie replayed after logout is refused."""

from tests.support import log_in, post_form


def test_login_shows_the_space_and_logout_kills_the_replayed_cookie(app, client, subscriber):
    response = log_in(client, follow=True)
    html = response.get_data(as_text=True)
    assert subscriber.subscriber_number in html
    assert "Mon espace abonné" in html
    stolen = client.get_cookie("session").value

    assert client.get("/espace/").status_code == 200
    post_form(client, "/espace/", {}, action="/espace/deconnexion")

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    again = replay.get("/espace/")
    assert again.status_code == 302 and "/espace/connexion" in again.location
