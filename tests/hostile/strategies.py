"""Hostile data for the property tests, and how it travels: encodings, methods, CSRF tokens.

A submission starts from a valid form and spoils it field by field (hostile value, field
missing, field twice), adds fields the form does not have, and is sent with a transport
that is usually the browser's (urlencoded, valid token) and sometimes not (multipart with
files, JSON, text/plain, PUT/PATCH/DELETE, a missing, empty, forged or foreign token).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote_plus

from hypothesis import HealthCheck
from hypothesis import strategies as st

# Fixtures are built once per test function; every example uses fresh clients anyway.
HOSTILE_HEALTH_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

BCC_INJECTION = "\r\nBcc: attacker@example.com"
MARKUP = ["<script>alert(1)</script>", "<b>x</b>", '"><img src=x onerror=alert(1)>']
NASTY_CHARACTERS = [
    "\x00",
    "\x07",
    "\x1b",
    "\r",
    "\n",
    "\t",
    "\x0b",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u200f",
    "\u200e",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\u202f",
    "\ufffd",
    "\ud800",
    "\udfff",
    "\U0001d160",
    "\U0001f600",
    "é",
    "\u0301",
    "ﬁ",
    "Ⅻ",
    "٣",
    "𝟗",
    "<",
    ">",
    "&",
    '"',
    "'",
    "%",
    "\\",
    ";",
    ",",
    "=",
]
SPECIMENS = [
    "",
    " ",
    "   ",
    "\x00",
    "a\x00b",
    "\u202eervèfeL",
    "\u200fLefèvre",
    BCC_INJECTION,
    "Dupont" + BCC_INJECTION,
    *MARKUP,
    "' OR '1'='1",
    "%00",
    "%ED%A0%80",
    "{{ 7*7 }}",
    "${7*7}",
    "../../etc/passwd",
    "\ud800",
    "a\udfffb",
    "ＡＢＣ",
    "null",
    "[]",
    "{}",
    "true",
    "-1",
    "0",
    "9" * 30,
    "1e308",
    "NaN",
    "732 829 320",
    "732829320",
    "helene@example.com",
    "é" * 81,
    "x" * 5_000,
    "\U0001d160" * 81,
    "\u0301" * 200,
]
UNEXPECTED_FIELDS = [
    "state",
    "subscriber_number",
    "password_hash",
    "trust_answer_hash",
    "is_admin",
    "id",
    "registration_id",
    "csrf_token",
    "email",
    "next",
    "",
    "a" * 300,
    "x\x00y",
    "\u202e",
]

# Every Unicode category but surrogates, then surrogates themselves (sent as the raw
# bytes a broken client would send: the transport decides what becomes of them).
characters = st.one_of(
    st.characters(), st.characters(categories=["Cs"]), st.sampled_from(NASTY_CHARACTERS)
)
long_text = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "é", "\u202e", "\x00", "\U0001d160", " ", "<b>", "9"]),
    st.integers(min_value=0, max_value=3_000),
)
hostile_text = st.one_of(st.text(characters, max_size=40), st.sampled_from(SPECIMENS), long_text)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@dataclass(frozen=True)
class Upload:
    """A file part in a multipart body, wherever it is put."""

    content: bytes
    filename: str = "donnees.txt"
    content_type: str = "text/plain"


uploads = st.builds(Upload, st.binary(max_size=60), st.sampled_from(["x.txt", "", 'a"b.csv']))


@dataclass(frozen=True)
class Transport:
    """How a submission is sent."""

    method: str = "POST"
    encoding: str = "urlencoded"  # urlencoded | multipart | json | text | none
    token: str = "valid"  # valid | missing | empty | forged | foreign | forged-first | twice

    @property
    def is_browser_like(self) -> bool:
        """A form a browser could send: POST, a form encoding, the page's own token."""
        return (
            self.method == "POST"
            and self.encoding in {"urlencoded", "multipart"}
            and self.token in {"valid", "twice"}
        )


BROWSER = Transport()
any_transport = st.builds(
    Transport,
    method=st.sampled_from(["POST", "POST", "PUT", "PATCH", "DELETE"]),
    encoding=st.sampled_from(["urlencoded", "multipart", "json", "text", "none"]),
    token=st.sampled_from(
        ["valid", "missing", "empty", "forged", "foreign", "forged-first", "twice"]
    ),
)
# Mostly the browser's way, so that the fields' own rules get exercised.
transports = st.one_of(st.just(BROWSER), st.just(Transport(encoding="multipart")), any_transport)


@dataclass(frozen=True)
class Submission:
    """What is sent: (name, value) pairs, duplicates allowed, and how."""

    pairs: tuple[tuple[str, object], ...]
    transport: Transport

    def value(self, name: str):
        """The first value sent for a field (what the form reads), None when absent."""
        return next((value for key, value in self.pairs if key == name), None)


@st.composite
def submissions(draw, valid: dict, transport=None, spoil: bool = True) -> Submission:
    """A valid form (values, or strategies drawing them), spoiled field by field, sent
    with a transport."""
    sent_with = draw(transport if transport is not None else transports)
    if sent_with.encoding == "json":
        values = json_values
    elif sent_with.encoding == "multipart":
        values = st.one_of(hostile_text, hostile_text, uploads)
    else:
        values = hostile_text
    pairs: list[tuple[str, object]] = []
    for name, good in valid.items():
        if isinstance(good, st.SearchStrategy):
            good = draw(good)
        fate = draw(
            st.sampled_from(["keep", "keep", "hostile", "hostile", "missing", "twice"])
            if spoil
            else st.just("keep")
        )
        if fate == "keep":
            pairs.append((name, good))
        elif fate == "hostile":
            pairs.append((name, draw(values)))
        elif fate == "twice":
            pairs += draw(st.permutations([(name, good), (name, draw(values))]))
    if spoil:
        pairs += draw(st.lists(st.tuples(st.sampled_from(UNEXPECTED_FIELDS), values), max_size=2))
    return Submission(tuple(draw(st.permutations(pairs))), sent_with)


# --- sending ------------------------------------------------------------------------------

FORGED_TOKEN = "IjBhMWIyYzNkNGU1ZjYi.Zm9yZ2Vk.c2lnbmF0dXJlLWZvcmdlZA"
BOUNDARY = "hostile-boundary-h13"


def _token_pairs(mode: str, token: str, foreign: str) -> list[tuple[str, str]]:
    return {
        "valid": [("csrf_token", token)],
        "missing": [],
        "empty": [("csrf_token", "")],
        "forged": [("csrf_token", FORGED_TOKEN)],
        "foreign": [("csrf_token", foreign)],
        "forged-first": [("csrf_token", FORGED_TOKEN), ("csrf_token", token)],
        "twice": [("csrf_token", token), ("csrf_token", FORGED_TOKEN)],
    }[mode]


def _text(value: object) -> str:
    """A value as a text field carries it (a file sent where no file can go: its content)."""
    return value.content.decode("latin-1") if isinstance(value, Upload) else str(value)


def _bytes(value: object) -> bytes:
    # surrogatepass: a lone surrogate goes out as the (invalid UTF-8) bytes a buggy client sends.
    return _text(value).encode("utf-8", "surrogatepass")


def _urlencoded(pairs) -> bytes:
    return "&".join(f"{quote_plus(_bytes(k))}={quote_plus(_bytes(v))}" for k, v in pairs).encode()


def _part_name(name: object) -> bytes:
    # As browsers do (HTML's multipart encoding): quotes and line breaks percent-encoded.
    text = str(name).replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return _bytes(text)


def _multipart(pairs) -> bytes:
    body = b""
    for name, value in pairs:
        body += b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; name="'
        body += _part_name(name) + b'"'
        if isinstance(value, Upload):
            body += b'; filename="' + _part_name(value.filename) + b'"\r\nContent-Type: '
            body += value.content_type.encode() + b"\r\n\r\n" + value.content + b"\r\n"
        else:
            body += b"\r\n\r\n" + _bytes(value) + b"\r\n"
    return body + b"--" + BOUNDARY.encode() + b"--\r\n"


def _json(pairs) -> bytes:
    document = {str(name): value for name, value in pairs}
    return json.dumps(document, default=_text).encode()


def send(client, url: str, submission: Submission, token: str, foreign_token: str = ""):
    """Send a submission with the page's CSRF token (or not, as its transport says)."""
    transport = submission.transport
    token_pairs = _token_pairs(transport.token, token, foreign_token or FORGED_TOKEN)
    pairs = [*token_pairs, *submission.pairs]
    headers = {}
    if transport.encoding == "json":
        # Flask-WTF takes the token from a header when the body is not a form.
        if token_pairs:
            headers["X-CSRFToken"] = token_pairs[-1][1]
        return client.open(
            url,
            method=transport.method,
            data=_json(submission.pairs),
            content_type="application/json",
            headers=headers,
        )
    if transport.encoding == "multipart":
        return client.open(
            url,
            method=transport.method,
            data=_multipart(pairs),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
    if transport.encoding == "text":
        return client.open(
            url,
            method=transport.method,
            data=_urlencoded(pairs),
            content_type="text/plain; charset=utf-8",
        )
    if transport.encoding == "none":
        return client.open(url, method=transport.method)
    return client.open(
        url,
        method=transport.method,
        data=_urlencoded(pairs),
        content_type="application/x-www-form-urlencoded",
    )
