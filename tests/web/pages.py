"""Read rendered pages as a person would: headings, messages beside fields, form values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
WHITESPACE = re.compile(r"\s+")


@dataclass
class Node:
    """One element of the page, with its attributes and children (text as str)."""

    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        return WHITESPACE.sub(" ", "".join(self._texts())).strip()

    def _texts(self):
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield " "
                yield from child._texts()
                yield " "

    def iter(self):
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements with this tag (any when None) whose attributes equal the given ones."""
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(name.rstrip("_")) == value for name, value in attrs.items())
        ]

    def classes(self) -> set[str]:
        """The element's CSS classes."""
        return set((self.attrs.get("class") or "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


class Page:
    """A rendered HTML page, read through its structure rather than raw strings."""

    def __init__(self, response_or_html) -> None:
        if isinstance(response_or_html, str):
            self.html = response_or_html
        else:
            self.html = response_or_html.get_data(as_text=True)
        builder = _TreeBuilder()
        builder.feed(self.html)
        builder.close()
        self.root = builder.root

    def element(self, element_id: str) -> Node | None:
        """The element with this id, if any."""
        found = self.root.find_all(id=element_id)
        assert len(found) <= 1, f"id {element_id!r} is not unique on the page"
        return found[0] if found else None

    @property
    def main(self) -> Node:
        """The page's <main> element (what differs from page to page)."""
        (main,) = self.root.find_all("main")
        return main

    @property
    def text(self) -> str:
        """The main content's text, whitespace collapsed."""
        return self.main.text

    @property
    def title(self) -> str:
        """The document's <title>."""
        return self.root.find_all("title")[0].text

    @property
    def h1(self) -> str:
        """The page's main heading."""
        headings = self.main.find_all("h1")
        assert len(headings) == 1, "a page has exactly one h1"
        return headings[0].text

    def error(self, field_name: str) -> str | None:
        """The message shown beside a field (the element "<field>-error"), if any."""
        node = self.element(f"{field_name}-error")
        return node.text if node is not None else None

    def errors(self) -> dict[str, str]:
        """Every field message on the page, by field id."""
        return {
            node.attrs["id"][: -len("-error")]: node.text
            for node in self.root.iter()
            if (node.attrs.get("id") or "").endswith("-error")
            and node.attrs["id"] != "error-summary"
        }

    @property
    def summary(self) -> str | None:
        """The error summary at the top of the form, if shown."""
        node = self.element("error-summary")
        return node.text if node is not None else None

    def element_text_of_class(self, css_class: str) -> str:
        """The text of the single element carrying this CSS class."""
        found = [node for node in self.root.iter() if css_class in node.classes()]
        assert len(found) == 1, f"expected one .{css_class}, found {len(found)}"
        return found[0].text

    def table_rows(self) -> list[Node]:
        """The body rows (those with cells, not headers) of the main content's tables."""
        return [row for row in self.main.find_all("tr") if row.find_all("td")]

    def table_cells(self) -> list[list[str]]:
        """The cells' texts of each body row of the main content's tables."""
        return [[cell.text for cell in row.find_all("td")] for row in self.table_rows()]

    def notices(self) -> list[str]:
        """The flashed notices shown above the content."""
        return [node.text for node in self.main.find_all("div") if "notice" in node.classes()]

    def links(self) -> list[tuple[str, str]]:
        """Every link in the main content, as (text, href)."""
        return [(node.text, node.attrs.get("href") or "") for node in self.main.find_all("a")]

    def link_to(self, text: str) -> str:
        """The href of the link whose text starts with ``text`` (exactly one)."""
        hrefs = [href for label, href in self.links() if label.startswith(text)]
        assert len(hrefs) >= 1, f"no link {text!r} in {self.links()}"
        return hrefs[0]

    def control(self, name: str) -> Node:
        """The single form control with this name (input, select or textarea)."""
        found = [
            node
            for node in self.root.iter()
            if node.tag in {"input", "select", "textarea"} and node.attrs.get("name") == name
        ]
        assert len(found) == 1, f"expected one control named {name!r}, found {len(found)}"
        return found[0]

    def value(self, name: str) -> str:
        """The value a text input shows (empty when none)."""
        return self.control(name).attrs.get("value") or ""

    def checked(self, name: str, value: str | None = None) -> bool:
        """Whether the checkbox (or the radio with this value) is checked."""
        for node in self.root.find_all("input", name=name):
            if value is None or node.attrs.get("value") == value:
                return "checked" in node.attrs
        raise AssertionError(f"no input {name!r} with value {value!r}")

    def options(self, name: str) -> list[tuple[str, str]]:
        """A select's options as (value, label)."""
        return [(node.attrs.get("value") or "", node.text) for node in self.control(name).iter()]

    def selected(self, name: str) -> str | None:
        """The value of the selected option of a select, if any."""
        for node in self.control(name).iter():
            if node.tag == "option" and "selected" in node.attrs:
                return node.attrs.get("value")
        return None


def refusal(response, field_name: str) -> str:
    """The message beside a refused field, after checking the page says the form has errors.

    The form page comes back (200, not a redirect), the summary at the top starts with
    "Le formulaire contient des erreurs" and links each of the field's messages to the field.
    """
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    page = Page(response)
    summary = page.element("error-summary")
    assert summary is not None, "no error summary at the top of the form"
    assert summary.text.startswith("Le formulaire contient des erreurs")
    message = page.error(field_name)
    assert message is not None, f"no message beside {field_name!r}; messages: {page.errors()}"
    assert message.startswith("Erreur :")
    message = message.removeprefix("Erreur :").strip()
    # A radio group's link leads to its first option (a fieldset cannot take the focus).
    targets = {f"#{field_name}", f"#{field_name}-0"}
    entries = [link.text for link in summary.find_all("a") if link.attrs.get("href") in targets]
    assert entries, f"the summary does not link to {field_name!r}"
    for entry in entries:
        assert entry.partition(" : ")[2] in message
    return message


def shown(response, h1: str) -> Page:
    """The page of a 200 answer whose <h1> reads `h1`."""
    page = Page(response)
    assert response.status_code == 200
    assert page.h1 == h1
    return page
