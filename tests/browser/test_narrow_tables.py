"""At 320 px the space's tables (history, dossiers, import report, past adhesions) become one
card per row: every cell on its own line after its column's name, nothing hidden in a box
that scrolls sideways, a date on one line (two at most, beside its label)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.live import (
    DESKTOP,
    LiveStack,
    activate,
    click_button,
    heading,
    labelled,
    log_in,
    new_person,
    sign_up,
)

NARROW = {"width": 320, "height": 640}
LONG_NAME = "Boulangerie-pâtisserie des Lilas de la Porte de Vincennes"
# Added, refused (a bad key, a duplicate, not a number), added without a name.
IMPORT = (
    "siren;nom\n"
    f"552100554;{LONG_NAME}\n"
    "552100555;Transports Dupont et Fils\n"
    "732829320;Déjà là\n"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789;Lettres\n"
    "356000000\n"
).encode()
# What must hold in every stacked table of the page, as a list of problems found.
CARD_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  for (const table of document.querySelectorAll('table.table--stacked')) {
    if (getComputedStyle(table).display !== 'block') problems.push('still a table grid');
    for (const cell of table.querySelectorAll('td')) {
      if (!cell.textContent.trim()) continue;
      const what = `${cell.dataset.label} « ${cell.textContent.trim().slice(0, 40)} »`;
      const box = cell.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) problems.push(`${what} not shown`);
      if (box.left < 0 || box.right > width + 0.5) {
        problems.push(`${what} outside the screen: ${box.left}-${box.right}`);
      }
      if (cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`${what} cut: ${cell.scrollWidth} > ${cell.clientWidth}`);
      }
      const label = getComputedStyle(cell, '::before').content;
      if (!label.includes(cell.dataset.label)) problems.push(`${what} without its label`);
      if (cell.querySelector('time')) {
        const style = getComputedStyle(cell);
        const inner = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        const lines = Math.round(inner / parseFloat(style.lineHeight));
        if (lines > 2) problems.push(`${what} on ${lines} lines`);
      }
    }
  }
  return problems;
}"""


def readable_at_320(page: Page, what: str, rows: int) -> None:
    """The page's stacked table shows `rows` cards that fit the screen, labels and all."""
    expect(heading(page)).to_be_visible()
    table = page.locator("table.table--stacked")
    expect(table.get_by_role("row")).to_have_count(rows + 1)  # the header row, still read
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{what}: {width}px wide at {NARROW['width']}px"
    problems = page.evaluate(CARD_PROBLEMS)
    assert not problems, f"{what}:\n" + "\n".join(problems)


def test_the_space_tables_read_as_cards_at_320_px(page: Page, live_stack: LiveStack, shoot) -> None:
    person = new_person("tables")
    sign_up(page, live_stack, person)
    activate(page, live_stack, person)
    log_in(page, live_stack, person)
    page.goto(live_stack.url("/espace/dossiers/ajouter"))
    labelled(page, "SIREN de l'entreprise").fill("732829320")
    labelled(page, "Nom du dossier (facultatif)").fill("Cabinet Martin")
    click_button(page, "Ajouter le dossier")
    expect(heading(page)).to_have_text("Dossier 732 829 320")
    service = page.locator(".service").first
    service.get_by_role("radio").first.check()
    service.get_by_role("button").click()
    page.locator(".service").first.get_by_role("link", name="Retirer").click()
    page.get_by_role("button", name="Confirmer le retrait").click()  # « Retirer » asks first
    expect(page.get_by_role("table")).to_be_visible()
    dossier_url = page.url.split("#")[0]

    page.set_viewport_size(NARROW)
    page.goto(live_stack.url("/espace/dossiers/importer"))
    page.locator("#file").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": IMPORT}]
    )
    click_button(page, "Importer")
    expect(page.locator(".import-report")).to_contain_text(LONG_NAME)
    readable_at_320(page, "import report", rows=5)
    shoot("narrow-import-report")

    page.goto(live_stack.url("/espace/dossiers/"))
    readable_at_320(page, "dossiers", rows=3)
    shoot("narrow-dossiers")

    page.goto(live_stack.url("/espace/historique"))
    # Activation, login, dossier added, adhesion, withdrawal, import.
    readable_at_320(page, "history", rows=6)
    shoot("narrow-history")

    page.goto(dossier_url)
    readable_at_320(page, "past adhesions", rows=1)

    page.goto(live_stack.url("/espace/sessions"))
    readable_at_320(page, "active sessions", rows=1)

    # Wide enough, the same table is a table again, its header row shown.
    page.set_viewport_size(DESKTOP)
    page.goto(live_stack.url("/espace/historique"))
    assert page.locator("table.table--stacked").evaluate("t => getComputedStyle(t).display") == (
        "table"
    )
    expect(page.get_by_role("columnheader", name="Date")).to_be_visible()
