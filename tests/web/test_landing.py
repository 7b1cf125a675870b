"""The public pages that lead to the wizard: "Professionnels", the subscription page, the terms."""

from __future__ import annotations

from tests.web.pages import Page, shown

STEPS = [
    "1ère étape : accepter les conditions générales",
    "2ème étape : créer vos identifiants",
    "3ème étape : remplir le formulaire d'inscription",
    "4ème étape : activer votre espace abonné",
]


def test_landing_page_is_professionnels_with_the_create_my_space_link(client):
    page = shown(client.get("/"), "Professionnels")
    assert page.link_to("Créer mon espace / adhérer aux services en ligne") == "/creer-mon-espace"


def test_landing_page_is_in_french(client):
    page = Page(client.get("/"))

    (html,) = page.root.find_all("html")
    assert html.attrs["lang"] == "fr"


def test_create_my_space_link_leads_to_the_subscription_page(client):
    landing = Page(client.get("/"))

    response = client.get(landing.link_to("Créer mon espace / adhérer aux services en ligne"))

    shown(response, "Création de votre espace abonné")


def test_subscription_page_lists_exactly_the_four_steps_in_order(client):
    page = Page(client.get("/creer-mon-espace"))

    (steps,) = [node for node in page.main.iter() if "steps" in node.classes()]
    assert [item.text for item in steps.find_all("li")] == STEPS


def test_subscription_page_has_both_parts_with_their_links(client):
    page = Page(client.get("/creer-mon-espace"))

    assert "1ère partie : création de l'espace" in page.text
    assert "2ème partie : activation de l'espace abonné" in page.text
    create = page.link_to("Créez l'espace pour un collaborateur du cabinet ou vous-même")
    assert create == "/inscription/etape-1"
    assert page.link_to("Activez votre espace") == "/activation/"


def test_activate_part_is_reachable_by_its_anchor_from_the_landing_page(client):
    landing = Page(client.get("/"))
    subscription = Page(client.get("/creer-mon-espace"))

    assert landing.link_to("Activer mon espace abonné") == "/creer-mon-espace#activer"
    assert subscription.element("activer") is not None


def test_create_the_space_link_opens_the_first_step(client):
    subscription = Page(client.get("/creer-mon-espace"))

    response = client.get(subscription.link_to("Créez l'espace pour un collaborateur"))

    shown(response, "1ère étape : acceptez les conditions générales")


def test_terms_page_shows_the_conditions_generales(client):
    page = shown(client.get("/conditions-generales"), "Conditions générales d'utilisation")
    assert "Objet du service" in page.text
    assert "valable 48 heures" in page.text
    assert page.link_to("Retour à la 1ère étape") == "/inscription/etape-1"


def test_every_page_links_to_the_terms_in_its_footer(client):
    for url in ("/", "/creer-mon-espace", "/inscription/etape-1"):
        page = Page(client.get(url))
        (footer,) = page.root.find_all("footer")
        hrefs = [node.attrs.get("href") for node in footer.find_all("a")]
        assert "/conditions-generales" in hrefs, url


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")

    assert response.status_code == 404
    assert Page(response).h1 == "Page introuvable"
