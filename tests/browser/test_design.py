"""The look: no sideways scrolling at 320 px, a print stylesheet, a visible focus, nothing
loaded from outside the app, and nothing that passes for an official site.

These run under the app's real Content-Security-Policy: a style or script the policy refuses
shows up as a console error, which fails the walk.
"""

from __future__ import annotations

import io
import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.live import (
    LiveStack,
    accept_terms,
    activate,
    click_button,
    fill_credentials,
    fill_profile,
    heading,
    labelled,
    log_in,
    new_person,
)

NARROW = {"width": 320, "height": 720}
# What would make a page pass for the administration's own (the terms page names the
# administration only to say espace-pro is not it: its text is not searched).
OFFICIAL_LOOKING = re.compile(
    r"République française|Liberté,? [ÉE]galité|Marianne|gouv\.fr|Ministère", re.IGNORECASE
)
FOCUS_CONTRAST = 3.0  # WCAG 2.1 1.4.11, non-text contrast


def no_sideways_scroll(page: Page, what: str) -> None:
    expect(heading(page)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{what}: {width}px wide at {NARROW['width']}px"


def test_no_page_scrolls_sideways_at_320_px(page: Page, live_stack: LiveStack) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size(NARROW)
    person = new_person("etroit")
    for path in ("/", "/creer-mon-espace", "/inscription/etape-1"):
        page.goto(live_stack.url(path))
        no_sideways_scroll(page, path)
    accept_terms(page, live_stack)
    no_sideways_scroll(page, "step 2")
    click_button(page, "Valider")
    no_sideways_scroll(page, "step 2 with errors")
    fill_credentials(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_contain_text("3ème étape")
    no_sideways_scroll(page, "step 3")
    labelled(page, "Code postal").fill("7501")
    click_button(page, "Valider")
    expect(page.locator("#error-summary")).to_be_visible()
    no_sideways_scroll(page, "step 3 with errors")
    fill_profile(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")
    no_sideways_scroll(page, "confirmation")
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Activation de votre espace abonné")
    no_sideways_scroll(page, "waiting page")
    activate(page, live_stack, person)
    no_sideways_scroll(page, "success")
    log_in(page, live_stack, person)
    no_sideways_scroll(page, "space home")
    page.goto(live_stack.url("/espace/dossiers/ajouter"))
    labelled(page, "SIREN de l'entreprise").fill("732829320")
    labelled(page, "Nom du dossier (facultatif)").fill("Boulangerie des Lilas de la Porte")
    click_button(page, "Ajouter le dossier")
    expect(heading(page)).to_have_text("Dossier 732 829 320")
    no_sideways_scroll(page, "dossier")
    page.goto(live_stack.url("/espace/dossiers/"))
    expect(page.get_by_role("row").filter(has_text="732 829 320")).to_be_visible()
    no_sideways_scroll(page, "dossiers list")
    page.goto(live_stack.url("/espace/historique"))
    expect(page.get_by_role("table")).to_contain_text("Dossier ajouté")
    no_sideways_scroll(page, "history")
    page.goto(live_stack.url("/espace/sessions"))
    expect(page.get_by_role("table")).to_contain_text("(cette session)")
    no_sideways_scroll(page, "active sessions")
    assert not refused, "\n".join(refused)


def hidden_in_print(page: Page, selectors: list[str]) -> None:
    for selector in selectors:
        for n in range(page.locator(selector).count()):
            expect(page.locator(selector).nth(n)).to_be_hidden()


def black_on_white(page: Page) -> None:
    colours = page.evaluate(
        "[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"], colours


def test_confirmation_and_success_pages_print_their_content_only(
    page: Page, live_stack: LiveStack
) -> None:
    person = new_person("impression")
    accept_terms(page, live_stack)
    fill_credentials(page, person)
    click_button(page, "Valider")
    fill_profile(page, person)
    click_button(page, "Valider")
    expect(heading(page)).to_have_text("Confirmez votre inscription")

    page.emulate_media(media="print")
    hidden_in_print(page, [".language-switch", ".progress", ".breadcrumb", ".edit-link", "button"])
    expect(heading(page)).to_be_visible()
    expect(page.locator(".summary").first).to_be_visible()
    expect(page.locator("main")).to_contain_text(person.last_name)
    expect(page.locator(".brand")).to_be_visible()
    black_on_white(page)

    page.emulate_media(media="screen")
    click_button(page, "Valider")
    number = activate(page, live_stack, person)
    page.emulate_media(media="print")
    hidden_in_print(page, [".language-switch", ".button", ".site-footer"])
    expect(page.locator(".subscriber-number")).to_have_text(number)
    expect(page.locator(".subscriber-number")).to_be_visible()
    black_on_white(page)
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "".join(sheet.extract_text() for sheet in pdf.pages)
    assert number in text
    assert "English" not in text


def relative_luminance(rgb: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", rgb)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


FOCUS_STYLE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  let parent = element.parentElement, background = 'rgba(0, 0, 0, 0)';
  while (parent && /rgba\\(.*, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(parent).backgroundColor;
    parent = parent.parentElement;
  }
  return {id: element.id || element.tagName, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), colour: style.outlineColor, background};
}"""


def test_the_keyboard_focus_is_clearly_visible(page: Page, live_stack: LiveStack) -> None:
    accept_terms(page, live_stack)
    seen = set()
    for _ in range(12):  # skip link, header links, breadcrumb, fields, « Retour », « Valider »
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        seen.add(focus["id"])
        assert focus["outline"] == "solid" and focus["width"] >= 2, focus
        ratio = contrast(focus["colour"], focus["background"])
        assert ratio >= FOCUS_CONTRAST, f"focus ring contrast {ratio:.1f}:1 on {focus}"
    assert {"A", "email", "password", "BUTTON"} <= seen, seen


def test_nothing_is_loaded_from_elsewhere_nor_passes_for_an_official_site(
    page: Page, live_stack: LiveStack
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/creer-mon-espace", "/conditions-generales", "/espace/connexion"):
        page.goto(live_stack.url(path))
        expect(heading(page)).to_be_visible()
        shown = "main" if path != "/conditions-generales" else "header, footer"
        text = page.title() + " ".join(page.locator(shown).all_inner_texts())
        assert not OFFICIAL_LOOKING.search(text), f"{path}: {OFFICIAL_LOOKING.search(text)}"
        assert page.locator("img, svg, picture, object, embed").count() == 0, path
        # The system font stack only: no web font is declared or loaded.
        assert page.evaluate("document.fonts.size") == 0, path
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui"), font
    footer = page.locator("footer")
    expect(footer).to_contain_text("espace-pro est un service indépendant")
    expect(footer).to_contain_text("Ce n'est pas un site officiel de l'administration.")
    outside = [url for url in requested if not url.startswith(live_stack.base_url + "/")]
    assert not outside, outside
