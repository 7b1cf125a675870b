"""The sign-up flow's database work per request (issue 17): « Valider » and a successful
activation each commit once, without reading back rows they have just written, and the
waiting and confirmation pages do not touch the database.

The bounds are the counts measured when they were brought down: the tests fail if they
grow back. SQLite and PostgreSQL emit the same statements here (INSERT … RETURNING on both).
"""

from __future__ import annotations

from tests.activation.helpers import activated_number
from tests.support import EMAIL, code_from, csrf_token
from tests.web.sql_counts import sql_counted


def test_valider_commits_once_and_reads_back_nothing(app, client, valider_token, mail_queue):
    with sql_counted(app) as counts:
        response = client.post("/inscription/confirmation", data={"csrf_token": valider_token})

    assert response.headers["Location"] == "/inscription/attente"
    assert mail_queue.count == 1
    # The live registration of the address, the registration, its outbox row, the job id.
    assert counts["commits"] == 1
    assert counts["checkouts"] == 1
    assert counts["SELECT"] == 1
    assert counts["statements"] == 4


def test_waiting_and_confirmation_pages_do_not_touch_the_database(app, client, valider_token):
    with sql_counted(app) as counts:
        assert client.get("/inscription/confirmation").status_code == 200
    assert counts["statements"] == 0
    client.post("/inscription/confirmation", data={"csrf_token": valider_token})

    with sql_counted(app) as counts:
        assert client.get("/inscription/attente").status_code == 200
    assert counts["statements"] == 0


def test_activation_commits_once_and_the_success_page_reads_once(
    app, client, wizard, run_worker, outbox
):
    wizard.complete()
    run_worker()
    page = client.get("/activation/")
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": EMAIL,
        "code": code_from(outbox[0]),
    }

    with sql_counted(app) as posted:
        response = client.post("/activation/", data=data)
    assert response.headers["Location"] == "/activation/reussie"
    with sql_counted(app) as shown:
        success = client.get("/activation/reussie")

    assert activated_number(success)
    # The address's registration; the counter, the new state, the audit event.
    assert posted["commits"] == 1
    assert posted["checkouts"] == 1
    assert posted["SELECT"] == 1
    assert posted["statements"] == 4
    assert shown["statements"] == 1
