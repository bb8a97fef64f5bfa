"""A small HTTP client for the web benchmarks: one browser per thread.

Each Browser keeps its own cookies, opens a new connection per request
(gunicorn's sync workers close every connection) and records the latency of
every request. Pages are read with regular expressions, which is enough for
the forms the app renders and costs the client little CPU.
"""

import html
import http.client
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

REQUEST_TIMEOUT_SECONDS = 60
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
FORM_ACTION = re.compile(r'<form\b[^>]*\baction="([^"]*)"', re.IGNORECASE)
THANK_YOU_TITLE = "Your answers have been sent"


class WalkError(RuntimeError):
    """A questionnaire page was not what a respondent's browser expects."""


@dataclass
class Timing:
    """One request: when it started (monotonic seconds), how long it took, status."""

    started: float
    seconds: float
    status: int
    label: str


@dataclass
class Browser:
    """A respondent's or staff member's browser, with its own cookies."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)

    def get(self, path: str, label: str = "GET") -> tuple[int, str, str]:
        return self.request("GET", path, None, label)

    def post(self, path: str, fields: dict[str, str], label: str = "POST"):
        return self.request("POST", path, urlencode(fields), label)

    def request(self, method: str, path: str, body: str | None, label: str):
        """Send one request; return (status, Location header, body text)."""
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.timings.append(Timing(started, time.monotonic() - started, 0, label))
            raise
        finally:
            connection.close()
        self.timings.append(
            Timing(started, time.monotonic() - started, response.status, label)
        )
        self._store_cookies(response.headers.get_all("Set-Cookie") or [])
        location = response.headers.get("Location", "")
        return response.status, urlsplit(location).path if location else "", text

    def _store_cookies(self, headers: list[str]) -> None:
        for header in headers:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            expired = "expires=thu, 01 jan 1970" in header.lower()
            if value and not expired:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)


def form_fields(page: str) -> tuple[str, dict[str, str], dict[str, list[str]]]:
    """Return a page's form action, its hidden fields and its radio options."""
    action = FORM_ACTION.search(page)
    hidden: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for tag in INPUT_TAG.findall(page):
        attributes = {
            name.lower(): html.unescape(value) for name, value in ATTRIBUTE.findall(tag)
        }
        kind = attributes.get("type", "text").lower()
        name = attributes.get("name")
        if not name:
            continue
        if kind == "hidden":
            hidden[name] = attributes.get("value", "")
        elif kind == "radio":
            radios.setdefault(name, []).append(attributes.get("value", ""))
    return (html.unescape(action.group(1)) if action else "", hidden, radios)


def walk_questionnaire(
    browser: Browser,
    token: str,
    rng: random.Random,
    on_sent: Callable[[str], object] | None = None,
) -> bool:
    """Answer a whole questionnaire like a respondent; return True when thanked.

    Start page, the start button, every question page (each a GET and a
    POST with the form's CSRF token and signed progress), the check page,
    the send button and the thank-you page. When the send button's request
    redirects to the thank-you page, the app has committed the response, and
    on_sent receives the response_id that the check page's form carried.
    Raises WalkError when a page is not the one a respondent would see next.
    """
    start = f"/s/{token}"
    status, _, page = browser.get(start, "start page")
    _expect(status == 200, f"start page returned {status}")
    _, hidden, _ = form_fields(page)
    status, location, _ = browser.post(
        start, {"csrf_token": hidden.get("csrf_token", ""), "action": "start"}, "start"
    )
    _expect(status == 303, f"start button returned {status}")

    while not location.endswith("/check"):
        _expect(location.startswith(start), f"redirected to {location!r}")
        status, _, page = browser.get(location, "question page")
        _expect(status == 200, f"{location} returned {status}")
        action, hidden, radios = form_fields(page)
        _expect(bool(radios), f"{location} has no questions")
        answers = {name: _choose(values, rng) for name, values in radios.items()}
        status, location, _ = browser.post(
            action or location, {**hidden, **answers}, "answers"
        )
        _expect(status == 303, f"answers to {action} returned {status}")

    status, _, page = browser.get(location, "check page")
    _expect(status == 200, f"check page returned {status}")
    action, hidden, _ = form_fields(page)
    status, location, _ = browser.post(action or location, hidden, "send")
    _expect(status == 303, f"send returned {status}")
    _expect(location.endswith("/thank-you"), f"send redirected to {location!r}")
    if on_sent is not None:
        on_sent(hidden.get("response_id", ""))
    status, _, page = browser.get(location, "thank-you page")
    return status == 200 and THANK_YOU_TITLE in page


def _choose(values: list[str], rng: random.Random) -> str:
    """Pick an answer: mostly a scale value, sometimes don't know."""
    scale = [value for value in values if value.isdigit()]
    if scale and rng.random() < 0.95:
        return rng.choice(scale)
    return rng.choice(values)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise WalkError(message)
