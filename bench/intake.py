"""Survey intake: whole questionnaires per second against a bare Flask baseline.

For each number of concurrent clients, three loads run for the same time.
wrk on the bare app measures what gunicorn serves at best. The threaded
client on the bare app is the latency baseline, measured by the same client
as the questionnaires. Then the threaded client walks staff questionnaires
of 40 answers on the survey app. Each walk is 19 requests. A questionnaire
counts as acknowledged when its send request redirects to the thank-you
page, and the client keeps the response_id it sent. Afterwards every
acknowledged response_id must be in the store, with all 40 answers.
"""

import logging
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .client import Browser, walk_questionnaire
from .loadgen import LoadResult, run_threads, threaded_gets, wrk
from .servers import Workspace, gunicorn
from .settings import BenchSettings
from .store import copy_store

logger = logging.getLogger(__name__)

STAFF_QUESTIONS = 40


@dataclass
class IntakeRun:
    """One timed load of questionnaires, and what the store held afterwards."""

    clients: int
    submitted: LoadResult
    # Questionnaires whose send request redirected to the thank-you page.
    acknowledged: int
    # Acknowledged response_ids not found in the store afterwards.
    missing: int
    # Acknowledged responses stored with other than 40 answers.
    incomplete: int
    # Every response and answer stored during the load, acknowledged or not.
    stored_responses: int
    stored_answers: int
    failed_walks: int


@dataclass
class IntakeResults:
    """Every run of one store: baselines and questionnaires per client count."""

    store_label: str
    stored_before: int
    wrk_bare: dict[int, list[LoadResult]] = field(default_factory=dict)
    client_bare: dict[int, list[LoadResult]] = field(default_factory=dict)
    questionnaires: dict[int, list[IntakeRun]] = field(default_factory=dict)


def measure_intake(
    settings: BenchSettings, store: Path, label: str, workspace: Workspace
) -> IntakeResults:
    """Measure intake on a copy of store at each client count, settings.runs times."""
    copy_store(store, workspace.store_path)
    tokens = _open_staff_tokens(workspace.store_path)
    results = IntakeResults(label, _last_response_seq(workspace.store_path))
    environment = workspace.environment()
    logs = workspace.root / "logs"
    with (
        gunicorn("bench.bare_app:app", environment, logs / "bare.log") as bare,
        gunicorn("survey_app:create_app()", environment, logs / "app.log") as app,
    ):
        for run in range(settings.runs):
            for clients in settings.concurrencies:
                logger.info("intake on %s, %d clients, run %d", label, clients, run + 1)
                results.wrk_bare.setdefault(clients, []).append(
                    wrk(bare.port, "/", clients, settings.intake_seconds)
                )
                results.client_bare.setdefault(clients, []).append(
                    threaded_gets(bare.port, "/", clients, settings.intake_seconds)
                )
                results.questionnaires.setdefault(clients, []).append(
                    _submit(
                        app.port,
                        workspace.store_path,
                        tokens,
                        clients,
                        settings.intake_seconds,
                        settings.seed + run,
                    )
                )
    return results


def _submit(
    port: int,
    store_path: Path,
    tokens: list[str],
    clients: int,
    seconds: float,
    seed: int,
) -> IntakeRun:
    last_seq = _last_response_seq(store_path)
    # list.append is atomic, so the client threads share one list.
    acknowledged: list[str] = []
    generators = [random.Random(seed * 1000 + index) for index in range(clients)]

    def walk(browser: Browser, index: int) -> None:
        rng = generators[index]
        browser.cookies.clear()
        walk_questionnaire(browser, rng.choice(tokens), rng, acknowledged.append)

    loaded = run_threads(port, clients, seconds, walk)
    stored_responses, stored_answers = _count_since(store_path, last_seq)
    missing, incomplete = _check_acknowledged(store_path, acknowledged)
    return IntakeRun(
        clients=clients,
        submitted=loaded,
        acknowledged=len(acknowledged),
        missing=missing,
        incomplete=incomplete,
        stored_responses=stored_responses,
        stored_answers=stored_answers,
        failed_walks=loaded.extra["n_errors"],
    )


def _check_acknowledged(store_path: Path, response_ids: list[str]) -> tuple[int, int]:
    """Return how many acknowledged responses are missing, and how many are partial.

    A response_id acknowledged twice counts as missing once more, because
    each acknowledgement promises a stored response of its own.
    """
    connection = sqlite3.connect(store_path)
    try:
        connection.execute(
            "create temporary table acknowledged (response_id text not null)"
        )
        connection.executemany(
            "insert into acknowledged values (?)", [(id_,) for id_ in response_ids]
        )
        found = connection.execute(
            "select count(distinct response_id) from acknowledged "
            "where response_id in (select response_id from responses)"
        ).fetchone()[0]
        incomplete = connection.execute(
            "select count(*) from responses "
            "where response_id in (select response_id from acknowledged) "
            "and (select count(*) from answers "
            "where answers.response_seq = responses.response_seq) <> ?",
            (STAFF_QUESTIONS,),
        ).fetchone()[0]
    finally:
        connection.close()
    return len(response_ids) - found, incomplete


def _open_staff_tokens(store_path: Path) -> list[str]:
    """Return the tokens of the staff links of windows open today."""
    with sqlite3.connect(store_path) as connection:
        rows = connection.execute(
            "select survey_links.token from survey_links "
            "join survey_windows using (window_id) "
            "where survey_links.stakeholder_group = 'staff' "
            "and survey_windows.opens_on <= date('now') "
            "and survey_windows.closes_on >= date('now')"
        ).fetchall()
    if not rows:
        raise RuntimeError(f"{store_path} has no open staff link to submit to")
    return [token for (token,) in rows]


def _last_response_seq(store_path: Path) -> int:
    connection = sqlite3.connect(store_path)
    try:
        return connection.execute(
            "select coalesce(max(response_seq), 0) from responses"
        ).fetchone()[0]
    finally:
        connection.close()


def _count_since(store_path: Path, last_seq: int) -> tuple[int, int]:
    """Return the numbers of responses and answers stored after last_seq."""
    connection = sqlite3.connect(store_path)
    try:
        return tuple(
            connection.execute(
                f"select count(*) from {table} where response_seq > ?",  # noqa: S608
                (last_seq,),
            ).fetchone()[0]
            for table in ("responses", "answers")
        )
    finally:
        connection.close()


@dataclass
class IntakeProfile:
    """Shares of the app's time in whole questionnaires, from cProfile."""

    questionnaires: int
    seconds_per_questionnaire: float
    # Share of the profiled time per part, 0..1, by cumulative time.
    shares: dict[str, float]


# Parts of a request, found in cProfile's table by file and function name.
PROFILE_PARTS = {
    "rendering templates (Jinja)": ("flask/templating.py", "_render"),
    "of which GOV.UK form macros": ("govuk_frontend_wtf/gov_form_base.py", "render"),
    "committing to SQLite (synchronous=FULL)": ("sqlalchemy/orm/session.py", "commit"),
    "reading the link and window (SQLAlchemy)": (
        "survey_app/views/survey.py",
        "_open_link",
    ),
    "validating forms (WTForms, CSRF)": ("wtforms/form.py", "validate"),
    "signing the session cookie": ("flask/sessions.py", "save_session"),
}


class TestClientBrowser:
    """The Browser interface over Flask's test client, for profiling in-process."""

    def __init__(self, client):
        self.client = client
        self.cookies: dict[str, str] = {}

    def get(self, path: str, label: str = "GET"):
        return self._reply(self.client.get(path))

    def post(self, path: str, fields: dict[str, str], label: str = "POST"):
        return self._reply(self.client.post(path, data=fields))

    @staticmethod
    def _reply(response):
        location = response.headers.get("Location", "")
        return response.status_code, location, response.get_data(as_text=True)


def profile_intake(store: Path, workspace: Workspace, questionnaires: int = 5):
    """Profile whole questionnaires in-process with cProfile; return the shares.

    cProfile slows Python code down, so the absolute time is higher than
    gunicorn's, and the shares are what this measurement is for.
    """
    import cProfile
    import pstats
    import time

    from survey_app import create_app

    copy_store(store, workspace.store_path)
    tokens = _open_staff_tokens(workspace.store_path)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{workspace.store_path}",
            "SECRET_KEY": "bench-profile-only",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    rng = random.Random(0)
    # One questionnaire unprofiled, to fill the app's caches.
    walk_questionnaire(TestClientBrowser(app.test_client()), tokens[0], rng)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(questionnaires):
        walk_questionnaire(
            TestClientBrowser(app.test_client()), rng.choice(tokens), rng
        )
    profiler.disable()
    elapsed = time.perf_counter() - started
    app.extensions["db_engine"].dispose()

    stats = pstats.Stats(profiler).stats
    total = max(
        (cumulative for (_, _, _, cumulative, _) in stats.values()), default=elapsed
    )
    shares = {}
    for part, (file_suffix, function) in PROFILE_PARTS.items():
        cumulative = max(
            (
                entry[3]
                for (filename, _, name), entry in stats.items()
                if filename.endswith(file_suffix) and name == function
            ),
            default=0.0,
        )
        shares[part] = cumulative / total if total else 0.0
    return IntakeProfile(questionnaires, elapsed / questionnaires, shares)
