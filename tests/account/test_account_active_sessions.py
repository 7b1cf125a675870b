"""« Sessions actives »: every live login of the subscriber, each one or all others to end."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.account.spaces import browser, frozen_clock, is_logged_in, page, session_of
from tests.support import SECOND_EMAIL, csrf_token, logged_in
from tests.web.pages import Page
from web.core.sessions import INDEX_KEY, SESSION_KEY

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
URL = "/espace/sessions"
ALREADY_ENDED = "Cette session est déjà fermée : la liste ci-dessous est à jour."
# 14 March 2030, 09:04 UTC = 10:04 in Paris (winter time).
START = datetime(2030, 3, 14, 9, 4, tzinfo=UTC)


@pytest.fixture
def two_spaces(make_subscriber) -> tuple[int, int]:
    """The owner's space and a neighbour's, made in the database."""
    return make_subscriber(), make_subscriber(SECOND_EMAIL, "20263100000002")


def device(app, ip: str, user_agent: str | None):
    """A browser on its own device: its IP and its User-Agent header."""
    client = browser(app, ip)
    if user_agent is not None:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def rows(client) -> list[dict]:
    """Each line of « Sessions actives »: its cells, its handle, and whether it is this one."""
    found = Page(client.get(URL))
    assert found.h1 == "Sessions actives"
    lines = []
    for row in found.main.find_all("tr"):
        cells = row.find_all("td")
        if not cells:
            continue
        (handle,) = row.find_all("input", name="session")
        lines.append(
            {
                "device": cells[0].text,
                "ip": cells[1].text,
                "started": cells[2].text,
                "seen": cells[3].text,
                "current": "session--current" in row.classes(),
                "handle": handle.attrs["value"],
            }
        )
    return lines


def end(client, handle: str | None, **extra):
    """« Fermer cette session » on the line named `handle` (None: the field left out)."""
    token = csrf_token(client.get(URL).get_data(as_text=True))
    data = {"csrf_token": token, **extra}
    if handle is not None:
        data["session"] = handle
    return client.post("/espace/sessions/fermer", data=data)


def end_the_others(client):
    """« Fermer toutes les autres sessions »."""
    token = csrf_token(client.get(URL).get_data(as_text=True))
    return client.post("/espace/sessions/fermer-les-autres", data={"csrf_token": token})


def history_events(client) -> list[tuple[str, str]]:
    """(event, detail) of each line of the history, newest first."""
    found = Page(client.get("/espace/historique"))
    return [
        (cells[1].text, cells[2].text)
        for row in found.main.find_all("tr")
        if (cells := row.find_all("td"))
    ]


def test_the_list_shows_each_device_masked_ip_start_and_last_activity_this_one_first(
    app, subscriber_id
):
    with frozen_clock(START) as clock:
        desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
        clock.shift(timedelta(minutes=3))
        laptop = logged_in(device(app, "198.51.100.77", FIREFOX_WINDOWS))
        clock.shift(timedelta(minutes=4))
        assert is_logged_in(desk)  # the desk was last seen at 10:11
        clock.shift(timedelta(minutes=2))

        seen_from_laptop = rows(laptop)

    assert [
        (line["device"], line["ip"], line["started"], line["seen"], line["current"])
        for line in seen_from_laptop
    ] == [
        (
            "Firefox 133 sur Windows 10 (cette session)",
            "198.51.x.x",
            "14 mars 2030 à 10:07",
            "14 mars 2030 à 10:13",  # this very request
            True,
        ),
        (
            "Chrome 131 sur Linux",
            "203.0.x.x",
            "14 mars 2030 à 10:04",
            "14 mars 2030 à 10:11",
            False,
        ),
    ]


def test_the_page_is_reached_from_the_security_section_of_the_home(app, subscriber_id):
    home = Page(logged_in(browser(app)).get("/espace/"))

    links = [a for a in home.main.find_all("a") if a.attrs.get("href") == URL]

    assert [link.text for link in links] == ["Voir mes sessions actives"]


def test_a_device_whose_user_agent_says_nothing_is_an_unknown_browser(app, subscriber_id):
    client = logged_in(device(app, "203.0.113.5", None))

    (line,) = rows(client)

    assert line["device"] == "Navigateur inconnu (cette session)"


def test_neither_the_session_ids_nor_the_full_ips_appear_in_the_page_or_in_redis(
    app, subscriber_id, redis_client
):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    laptop = logged_in(device(app, "2001:db8:85a3::8a2e:370:7334", FIREFOX_WINDOWS))
    ids = [session_of(app, client)["_user_id"] for client in (desk, laptop)]

    html = desk.get(URL).get_data(as_text=True)
    records = [json.loads(redis_client.get(SESSION_KEY.format(id_))) for id_ in ids]

    assert "2001:db8:x:x:x:x:x:x" in html and "203.0.x.x" in html
    for secret in (*ids, "203.0.113.5", "8a2e:370:7334", "113.5", "Mozilla/5.0"):
        assert secret not in html
    handles = [line["handle"] for line in rows(desk)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", handle) for handle in handles)
    assert not any(handle in id_ or id_ in handle for handle in handles for id_ in ids)
    # Redis keeps what the list shows, no more: no user agent string, no full IP.
    assert [(r["browser"], r["system"], r["ip"]) for r in records] == [
        ("Chrome 131", "Linux", "203.0.x.x"),
        ("Firefox 133", "Windows 10", "2001:db8:x:x:x:x:x:x"),
    ]
    assert "Mozilla" not in json.dumps(records) and "113.5" not in json.dumps(records)


def test_ending_another_session_logs_that_device_out_on_its_next_request(app, subscriber_id):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    phone = logged_in(device(app, "198.51.100.7", SAFARI_IPHONE))
    (other,) = [line for line in rows(desk) if not line["current"]]

    answer = end(desk, other["handle"])

    assert answer.status_code == 302 and answer.location.endswith(URL)
    shown = page(desk.get(URL))
    assert "La session Safari 17 sur iOS 17 a été fermée." in shown
    assert [line["device"] for line in rows(desk)] == ["Chrome 131 sur Linux (cette session)"]
    assert is_logged_in(desk)
    next_page = phone.get("/espace/dossiers/", follow_redirects=True)
    assert Page(next_page).h1 == "Accédez à votre espace abonné"
    assert "Veuillez vous connecter pour accéder à votre espace abonné." in page(next_page)
    assert ("Session fermée à distance", "Safari 17 sur iOS 17, 198.51.x.x") in history_events(desk)


def test_ending_all_other_sessions_keeps_only_this_one(app, subscriber_id):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    others = [
        logged_in(device(app, ip, agent))
        for ip, agent in (("198.51.100.7", SAFARI_IPHONE), ("192.0.2.9", FIREFOX_WINDOWS))
    ]
    assert len(rows(desk)) == 3

    end_the_others(desk)

    assert "2 autres sessions ont été fermées." in page(desk.get(URL))
    assert [line["device"] for line in rows(desk)] == ["Chrome 131 sur Linux (cette session)"]
    assert is_logged_in(desk)
    assert [is_logged_in(client) for client in others] == [False, False]
    assert ("Autres sessions fermées", "2 sessions fermées") in history_events(desk)
    # Nothing left to end: the button is gone, and a replayed form says so.
    assert "Fermer toutes les autres sessions" not in page(desk.get(URL))
    end_the_others(desk)
    assert "Aucune autre session n'était ouverte." in page(desk.get(URL))


def test_ending_this_session_is_a_logout(app, subscriber_id):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    (this,) = rows(desk)

    answer = end(desk, this["handle"])

    assert answer.location.endswith("/espace/connexion")
    shown = desk.get("/espace/connexion")
    assert "Vous êtes déconnecté." in page(shown)
    assert not is_logged_in(desk)
    assert session_of(app, desk).get("_user_id") is None


def test_a_neighbours_session_cannot_be_ended_from_another_space(app, two_spaces):
    owner = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    neighbour = logged_in(device(app, "198.51.100.77", FIREFOX_WINDOWS), email=SECOND_EMAIL)
    (theirs,) = rows(neighbour)

    answer = end(owner, theirs["handle"])

    assert answer.status_code == 302
    assert ALREADY_ENDED in page(owner.get(URL))
    assert is_logged_in(neighbour) and is_logged_in(owner)
    # Each list holds only its own subscriber's session.
    assert [line["ip"] for line in rows(owner)] == ["203.0.x.x"]
    assert [line["ip"] for line in rows(neighbour)] == ["198.51.x.x"]


@pytest.mark.parametrize(
    "handle",
    [None, "", "0" * 32, "x" * 5000, "é" * 32, "ABCDEF0123456789ABCDEF0123456789", "\x00"],
    ids=["missing", "empty", "unknown", "huge", "accents", "uppercase", "nul"],
)
def test_a_bad_handle_gets_a_french_message_and_ends_nothing(app, subscriber_id, handle):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    phone = logged_in(device(app, "198.51.100.7", SAFARI_IPHONE))

    answer = end(desk, handle)

    assert answer.status_code == 302 and answer.location.endswith(URL)
    assert ALREADY_ENDED in page(desk.get(URL))
    assert is_logged_in(desk) and is_logged_in(phone)


def test_the_forms_refuse_a_request_without_its_csrf_token(app, subscriber_id):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    phone = logged_in(device(app, "198.51.100.7", SAFARI_IPHONE))
    (other,) = [line for line in rows(desk) if not line["current"]]

    forged = desk.post("/espace/sessions/fermer", data={"session": other["handle"]})
    forged_all = desk.post("/espace/sessions/fermer-les-autres")

    for answer in (forged, forged_all):
        assert answer.status_code == 400
        assert "Le formulaire a expiré ou n'est plus valide." in page(answer)
    assert is_logged_in(phone)


def test_sessions_that_ran_out_leave_the_list_and_the_index(app, subscriber_id, redis_client):
    with frozen_clock(START) as clock:
        old = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
        old_id = session_of(app, old)["_user_id"]
        clock.shift(timedelta(minutes=31))  # the first one is idle past 30 minutes
        desk = logged_in(device(app, "198.51.100.7", FIREFOX_WINDOWS))

        lines = rows(desk)

    assert [line["ip"] for line in lines] == ["198.51.x.x"]
    members = {member.decode() for member in redis_client.smembers(INDEX_KEY.format(subscriber_id))}
    assert old_id not in members and len(members) == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    answer = client.get(URL)
    ended = client.post("/espace/sessions/fermer-les-autres")

    assert answer.status_code == 302 and "/espace/connexion" in answer.location
    assert ended.status_code == 400  # no session, no CSRF token: refused before anything


def test_the_page_reads_in_english(app, subscriber_id):
    desk = logged_in(device(app, "203.0.113.5", CHROME_LINUX))
    logged_in(device(app, "198.51.100.7", SAFARI_IPHONE))
    desk.get("/langue/en")

    shown = Page(desk.get(URL))

    assert shown.h1 == "Active sessions"
    assert "Chrome 131 on Linux (this session)" in shown.text
    assert "End all other sessions" in shown.text
