"""Respondents that walk the real questionnaire pages over HTTP, many at once.

Each respondent has its own cookie jar and posts each form with the hidden
fields the page rendered (CSRF token, signed progress, response id), as a
browser does. A submission counts as acknowledged only when the thank-you
page arrived.
"""

import http.client
import http.cookiejar
import random
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

REQUEST_TIMEOUT_SECONDS = 120
# A questionnaire has a start page, a year group page, seven question pages
# and the check page; more steps than this means the pages loop.
MAX_STEPS = 15
THANK_YOU_TITLE = "Your answers have been sent"


@dataclass(frozen=True)
class SurveyTarget:
    """A link to answer, and the access codes to use if it asks for one."""

    token: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Acknowledgement:
    """A submission whose thank-you page arrived, with what was sent."""

    response_id: str
    token: str
    year_group: str | None
    answers: dict[str, str]


class SubmissionFailedError(Exception):
    """A request of a submission failed before its thank-you page arrived.

    status and html are the error response's, when the server sent one.
    """

    def __init__(self, message: str, status: int | None = None, html: str = ""):
        super().__init__(message)
        self.status = status
        self.html = html


@dataclass
class _Form:
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)


class _PageParser(HTMLParser):
    """Collect the POST forms of a page: hidden fields and radio options."""

    def __init__(self):
        super().__init__()
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "form" and attributes.get("method", "").lower() == "post":
            self._form = _Form(action=attributes.get("action", ""))
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            name = attributes.get("name")
            kind = attributes.get("type", "text")
            if kind == "hidden" and name:
                self._form.hidden[name] = attributes.get("value", "")
            elif kind == "radio" and name:
                self._form.radios.setdefault(name, []).append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@dataclass(frozen=True)
class Page:
    url: str
    html: str
    title: str
    forms: list[_Form]

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    def last_form(self) -> _Form:
        if not self.forms:
            raise SubmissionFailedError(f"{self.path} has no POST form")
        return self.forms[-1]


class WebRespondent:
    """One respondent's browser: a cookie jar and no proxy."""

    def __init__(
        self,
        base_url: str,
        target: SurveyTarget,
        rng: random.Random,
        before_send: Callable[[], None] | None = None,
    ):
        self.base_url = base_url
        self.target = target
        self.rng = rng
        self.before_send = before_send
        self.year_group: str | None = None
        self.answers: dict[str, str] = {}
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )

    def submit(self, code: str | None = None) -> Acknowledgement:
        """Answer every page at random and send; raise SubmissionFailedError."""
        return self.send(self.answer_all(code))

    def answer_all(self, code: str | None = None) -> Page:
        """Start and answer every page at random; return the check page."""
        page = self._get(f"/s/{self.target.token}")
        data = {**page.last_form().hidden, "action": "start"}
        if code is not None:
            data["access_code"] = code
        page = self._post(page.last_form().action, data)

        self.year_group = None
        self.answers = {}
        for _ in range(MAX_STEPS):
            if page.path.endswith("/check"):
                return page
            if page.path.endswith("/thank-you"):
                raise SubmissionFailedError("reached the thank-you page unsent")
            form = page.last_form()
            chosen = {
                name: self.rng.choice(values) for name, values in form.radios.items()
            }
            if not chosen:
                raise SubmissionFailedError(
                    f"{page.path} titled {page.title.strip()!r} asks nothing"
                )
            if page.path.endswith("/year-group"):
                self.year_group = chosen["year_group"]
            else:
                self.answers.update(chosen)
            page = self._post(form.action, {**form.hidden, **chosen})
        raise SubmissionFailedError(f"no check page after {MAX_STEPS} steps")

    def send(self, check_page: Page) -> Acknowledgement:
        """Post the check page's form; return the acknowledgement of the thank-you
        page, or raise SubmissionFailedError."""
        form = check_page.last_form()
        if self.before_send is not None:
            self.before_send()
        page = self._post(form.action, form.hidden)
        if not page.path.endswith("/thank-you") or THANK_YOU_TITLE not in page.title:
            raise SubmissionFailedError(
                f"sending ended on {page.path} titled {page.title.strip()!r}"
            )
        return Acknowledgement(
            form.hidden["response_id"], self.target.token, self.year_group, self.answers
        )

    def _get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base_url + path))

    def _post(self, action: str, data: dict[str, str]) -> Page:
        body = urllib.parse.urlencode(data).encode()
        url = urllib.parse.urljoin(self.base_url + "/", action)
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> Page:
        """Send request, following redirects; raise SubmissionFailedError."""
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as reply:
                html = reply.read().decode()
                url = reply.geturl()
        except urllib.error.HTTPError as error:
            raise SubmissionFailedError(
                f"{request.get_method()} {request.full_url} returned {error.code}",
                status=error.code,
                html=error.read().decode(errors="replace"),
            ) from error
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise SubmissionFailedError(
                f"{request.get_method()} {request.full_url} failed: {error}"
            ) from error
        parser = _PageParser()
        parser.feed(html)
        return Page(url, html, parser.title, parser.forms)


class LoadRun:
    """count submissions by at most `threads` respondents at a time.

    Respondent i answers targets[i % len(targets)], taking the next unused
    access code of a target with codes. Results are collected under a lock so
    that another thread can wait for progress while the load runs.
    """

    def __init__(
        self,
        base_url: str,
        targets: list[SurveyTarget],
        count: int,
        threads: int,
        seed: int = 0,
    ):
        self.base_url = base_url
        self.targets = targets
        self.count = count
        self.threads = threads
        self.seed = seed
        self.acknowledged: list[Acknowledgement] = []
        self.failures: list[str] = []
        self._condition = threading.Condition()
        # Set whenever a respondent is about to post its check page.
        self.sending = threading.Event()
        self._codes = {target.token: list(target.codes) for target in targets}

    def run(self) -> None:
        """Submit every questionnaire; failures are recorded, not raised."""
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            for _ in pool.map(self._submit_one, range(self.count)):
                pass

    def _submit_one(self, number: int) -> None:
        target = self.targets[number % len(self.targets)]
        code = None
        if target.codes:
            with self._condition:
                code = self._codes[target.token].pop()
        respondent = WebRespondent(
            self.base_url,
            target,
            random.Random(f"{self.seed}-{number}"),
            before_send=self.sending.set,
        )
        try:
            acknowledgement = respondent.submit(code)
        except SubmissionFailedError as error:
            with self._condition:
                self.failures.append(f"respondent {number}: {error}")
                self._condition.notify_all()
            return
        with self._condition:
            self.acknowledged.append(acknowledgement)
            self._condition.notify_all()

    def wait_for(self, acknowledged: int, timeout: float) -> None:
        """Block until this many submissions were acknowledged, or raise."""
        with self._condition:
            reached = self._condition.wait_for(
                lambda: (
                    len(self.acknowledged) >= acknowledged
                    or len(self.acknowledged) + len(self.failures) >= self.count
                ),
                timeout=timeout,
            )
            if not reached or len(self.acknowledged) < acknowledged:
                raise AssertionError(
                    f"{len(self.acknowledged)} of {acknowledged} submissions "
                    f"acknowledged within {timeout} s; failures: {self.failures[:5]}"
                )
