"""The flow walker: one httpx client (cookie jar) per simulated person, forms and CSRF
tokens read from the pages as a browser reads them.

A flow: landing, the four wizard steps, the waiting page, the code read from the sink's
mail, the activation form and its success page. Every request is timed per endpoint.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from bench.stack import TimedSink, code_in

CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
SUBSCRIBER_NUMBER = re.compile(r'class="subscriber-number">(\d{14})<')
PASSWORD = "Kestrel42Vine"  # noqa: S105 - the test suite's sample password
PROFILE = {
    "civility": "mme",
    "last_name": "Lefèvre",
    "first_name": "Hélène",
    "company_id": "732 829 320",
    "phone": "06 12 34 56 78",
    "street_number": "12 bis",
    "street_type": "rue",
    "street_name": "des Lilas",
    "address_complement": "Bâtiment B",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
    "trust_question": "first_pet",
    "trust_answer": "Caramel des Prés",
}


class FlowError(Exception):
    """A page did not answer as a browser walking the flow expects."""


@dataclass
class FlowResult:
    """What one walk measured."""

    email: str
    base_url: str
    timings: list[tuple[str, float]] = field(default_factory=list)
    confirm_sent: float | None = None
    mail_received: float | None = None
    subscriber_number: str | None = None
    error: str | None = None

    @property
    def completed(self) -> bool:
        """The space was activated and its subscriber number shown."""
        return self.error is None and self.subscriber_number is not None

    @property
    def mail_latency(self) -> float | None:
        """Seconds from « Valider » (request sent) to the mail's arrival at the sink."""
        if self.confirm_sent is None or self.mail_received is None:
            return None
        return self.mail_received - self.confirm_sent


class Walker:
    """Walks one flow for one address on one web process."""

    def __init__(self, base_url: str, sink: TimedSink, email: str, mail_timeout: float):
        self.result = FlowResult(email=email, base_url=base_url)
        self.sink = sink
        self.mail_timeout = mail_timeout
        # Plain http only: no certificate bundle to load per client (~50 ms of CPU each).
        self.client = httpx.Client(
            base_url=base_url,
            follow_redirects=False,
            timeout=60,
            verify=False,  # noqa: S501 - 127.0.0.1 over http, never https
        )

    def _timed(self, method: str, path: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        response = self.client.request(method, path, **kwargs)
        self.result.timings.append((f"{method} {path}", time.perf_counter() - started))
        return response

    def page(self, path: str) -> str:
        """GET a page that must answer 200; return its HTML."""
        response = self._timed("GET", path)
        if response.status_code != 200:
            raise FlowError(f"GET {path}: {response.status_code}")
        return response.text

    def submit(self, path: str, data: dict, then: str, html: str | None = None) -> None:
        """POST the form of `path` (token from its page) and expect a redirect to `then`."""
        html = self.page(path) if html is None else html
        token = CSRF.search(html)
        if token is None:
            raise FlowError(f"no CSRF token on {path}")
        response = self._timed("POST", path, data={"csrf_token": token.group(1), **data})
        location = response.headers.get("location", "")
        if response.status_code != 302 or not location.endswith(then):
            raise FlowError(f"POST {path}: {response.status_code} → {location!r}, expected {then}")

    def walk(self) -> FlowResult:
        """The whole flow; any failure ends it and is kept in `error`."""
        email = self.result.email
        try:
            self.page("/")
            self.submit("/inscription/etape-1", {"accept": "y"}, then="/inscription/etape-2")
            self.submit(
                "/inscription/etape-2",
                {
                    "email": email,
                    "email_confirm": email,
                    "password": PASSWORD,
                    "password_confirm": PASSWORD,
                },
                then="/inscription/etape-3",
            )
            self.submit(
                "/inscription/etape-3",
                PROFILE | {"contact_email": email},
                then="/inscription/confirmation",
            )
            html = self.page("/inscription/confirmation")
            self.result.confirm_sent = time.monotonic()
            self.submit("/inscription/confirmation", {}, then="/inscription/attente", html=html)
            if email not in self.page("/inscription/attente"):
                raise FlowError("the waiting page does not name the address")
            mail = self.sink.wait_for(email, self.mail_timeout)
            if mail is None:
                raise FlowError(f"no mail within {self.mail_timeout:.0f} s")
            self.result.mail_received, message = mail
            code = code_in(message)
            if code is None:
                raise FlowError("no activation code in the mail")
            self.submit("/activation/", {"email": email, "code": code}, then="/activation/reussie")
            number = SUBSCRIBER_NUMBER.search(self.page("/activation/reussie"))
            if number is None:
                raise FlowError("no subscriber number on the success page")
            self.result.subscriber_number = number.group(1)
        except (FlowError, httpx.HTTPError) as error:
            self.result.error = f"{type(error).__name__}: {error}"
        finally:
            self.client.close()
        return self.result


def address(run: str, index: int) -> str:
    """A unique example.com address per flow and run."""
    return f"bench-{run}-{index:05d}@example.com"


def run_flows(
    base_urls: list[str],
    sink: TimedSink,
    run: str,
    flows: int,
    concurrency: int,
    mail_timeout: float = 60,
    first: int = 0,
) -> tuple[list[FlowResult], float]:
    """Walk `flows` flows, `concurrency` at a time, spread round-robin over the web
    processes; return the results and the wall time."""

    def one(index: int) -> FlowResult:
        base = base_urls[index % len(base_urls)]
        return Walker(base, sink, address(run, index), mail_timeout).walk()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(first, first + flows)))
    return results, time.monotonic() - started
