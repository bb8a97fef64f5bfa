"""Results pages read from the published warehouse while a pipeline run replaces it.

The app serves the pipeline workspace's published.duckdb, built from the
generated store. An increment's pipeline run starts, and from then until
after its publication three client threads request pages in a loop. They
read a school's results page (signed in as its lead), the borough
dashboard (signed in as a borough officer) if the app has one, and the
bare Flask page. A thread watching published.duckdb notes
when os.replace swaps it. Each page's figures are the 100 requests that
finished last before the swap and the first 100 that started after it.
Every request sent during the run counts towards the failures.
"""

import http.client
import logging
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .client import Browser, Timing, form_fields
from .loadgen import hey
from .pipeline_bench import PipelineRun, run_pipeline
from .servers import PIPELINE, PROJECT_ROOT, Workspace, gunicorn
from .settings import BenchSettings
from .stats import percentile
from .store import BENCH_PASSWORD, BOROUGH_EMAIL, SCHOOL_EMAIL

logger = logging.getLogger(__name__)

REQUESTS_EACH_SIDE = 100
QUIET_REQUESTS = 200
POLL_SECONDS = 0.02
# Maximum wait, after the pipeline ends, for the requests after the swap.
READ_AFTER_SWAP_SECONDS = 300
# Each reader starts a request at most this often, like a person clicking
# through pages, so that the readers leave the pipeline most of the CPU.
READ_INTERVAL_SECONDS = 0.5


@dataclass
class PageLoad:
    """The requests of one page around one swap of published.duckdb."""

    path: str
    before: list[Timing] = field(default_factory=list)
    after: list[Timing] = field(default_factory=list)
    sent: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def window(self) -> list[Timing]:
        return self.before + self.after

    @property
    def p95_seconds(self) -> float:
        return percentile([timing.seconds for timing in self.window], 0.95)


@dataclass
class PageRun:
    """One pipeline run published while the pages were read."""

    pipeline: PipelineRun | None
    swapped: bool
    loads: dict[str, PageLoad]


@dataclass
class PagesResults:
    # Responses in the published warehouse that the pages read.
    scale: int = 0
    school_path: str = "/results"
    borough_path: str | None = None
    # 200 requests one at a time with hey, before any pipeline run.
    quiet_p95: dict[str, float] = field(default_factory=dict)
    quiet_failures: dict[str, int] = field(default_factory=dict)
    runs: list[PageRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# A page read by the threads: (port, path, cookies of a signed-in browser).
Page = tuple[int, str, dict[str, str]]


@contextmanager
def page_readers(workspace: Workspace, results: PagesResults) -> Iterator[dict]:
    """Serve the workspace, sign in, and yield the pages to read by name.

    The first time, this also measures each page's quiet p95.
    """
    results.borough_path = find_borough_dashboard()
    if results.borough_path is None and not results.notes:
        results.notes.append(
            "The app has no borough dashboard route yet, so it was not measured."
        )
    environment = workspace.environment()
    logs = workspace.root / "logs"
    with (
        gunicorn("bench.bare_app:app", environment, logs / "pages-bare.log") as bare,
        gunicorn("survey_app:create_app()", environment, logs / "pages-app.log") as app,
    ):
        pages: dict[str, Page] = {
            "school": (app.port, results.school_path, sign_in(app.port, SCHOOL_EMAIL))
        }
        if results.borough_path:
            cookies = sign_in(app.port, BOROUGH_EMAIL)
            pages["borough"] = (app.port, results.borough_path, cookies)
        pages["bare"] = (bare.port, "/", {})
        for name, (port, path, cookies) in pages.items():
            # The first request opens the published file; keep it out.
            Browser(port, dict(cookies)).get(path)
            if name not in results.quiet_p95:
                quiet = hey(port, path, QUIET_REQUESTS, 1, cookies)
                results.quiet_p95[name] = quiet.p95_seconds
                results.quiet_failures[name] = quiet.failures
        yield pages


def read_during_publication(
    settings: BenchSettings,
    workspace: Workspace,
    pages: dict[str, Page],
    label: str,
) -> PageRun:
    """Run the pipeline and read the pages until after it swaps the file."""
    published = workspace.warehouse_dir / "published.duckdb"
    identity = _file_identity(published)
    swap_time: list[float] = []
    stop = threading.Event()
    loads = {name: PageLoad(path) for name, (_, path, _) in pages.items()}

    def watch_file() -> None:
        while not stop.is_set():
            if _file_identity(published) != identity:
                swap_time.append(time.monotonic())
                return
            time.sleep(POLL_SECONDS)

    def read(name: str) -> None:
        port, path, cookies = pages[name]
        browser = Browser(port, dict(cookies))
        load = loads[name]
        recent: deque[Timing] = deque(maxlen=REQUESTS_EACH_SIDE)
        while not stop.is_set():
            next_start = time.monotonic() + READ_INTERVAL_SECONDS
            try:
                status, _, _ = browser.get(path)
            except (OSError, http.client.HTTPException) as error:
                status = 0
                load.errors.append(f"{type(error).__name__}: {error}")
            timing = browser.timings[-1]
            load.sent += 1
            if status != 200:
                load.failures += 1
                if status:
                    load.errors.append(f"status {status}")
            if not swap_time or timing.started + timing.seconds < swap_time[0]:
                recent.append(timing)
            elif timing.started > swap_time[0]:
                load.after.append(timing)
                if len(load.after) >= REQUESTS_EACH_SIDE:
                    break
            time.sleep(max(0.0, next_start - time.monotonic()))
        load.before = list(recent)

    pipeline_result: list[PipelineRun] = []
    runner = threading.Thread(
        target=lambda: pipeline_result.append(
            run_pipeline(
                workspace, label, settings.memory_cap_bytes, settings.pipeline_timeout
            )
        )
    )
    runner.start()
    watcher = threading.Thread(target=watch_file)
    readers = [threading.Thread(target=read, args=(name,)) for name in pages]
    watcher.start()
    for reader in readers:
        reader.start()
    runner.join()
    # Give the readers time for their requests after the swap, then stop. A
    # run that failed swapped nothing, so there is nothing to wait for.
    watcher.join(timeout=1.0)
    deadline = time.monotonic() + (READ_AFTER_SWAP_SECONDS if swap_time else 0)
    while any(reader.is_alive() for reader in readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for thread in (watcher, *readers):
        thread.join()
    return PageRun(
        pipeline=pipeline_result[0] if pipeline_result else None,
        swapped=bool(swap_time),
        loads=loads,
    )


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def sign_in(port: int, email: str) -> dict[str, str]:
    """Sign in through the sign-in page and return the session's cookies."""
    browser = Browser(port)
    status, _, page = browser.get("/sign-in")
    _, hidden, _ = form_fields(page)
    status, location, _ = browser.post(
        "/sign-in",
        {
            "csrf_token": hidden.get("csrf_token", ""),
            "email": email,
            "password": BENCH_PASSWORD,
        },
    )
    if status not in (302, 303) or "session" not in browser.cookies:
        raise RuntimeError(f"sign-in as {email} returned {status}, not a redirect")
    return browser.cookies


def find_borough_dashboard() -> str | None:
    """Return the path of the app's borough dashboard, or None if it has none.

    BENCH_BOROUGH_PATH names it; otherwise the first GET route without
    arguments whose endpoint or path mentions "borough".
    """
    configured = os.environ.get("BENCH_BOROUGH_PATH")
    if configured:
        return configured
    listing = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(PIPELINE.with_name("flask")), "--app", "survey_app", "routes"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "IMHARS_ENV": "development"},
        check=False,
    ).stdout
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) < 3 or "borough" not in line or "GET" not in line:
            continue
        rule = parts[-1]
        if "<" not in rule:
            return rule
    return None
