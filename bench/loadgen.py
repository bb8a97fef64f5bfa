"""Load generators: wrk for a server's bare limit, and threads of Browser.

wrk (Debian's package) measures what gunicorn can serve when the client
costs almost nothing. The threaded Python client is the one that walks the
questionnaires, so latencies compared with it are measured the same way.
"""

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .client import Browser, Timing
from .stats import percentile

WRK_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
WRK_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")
UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


class LoadGeneratorError(RuntimeError):
    """A load generator is missing or its output could not be read."""


@dataclass
class LoadResult:
    """Requests per second and latency percentiles of one timed load."""

    requests_per_second: float
    p50_seconds: float
    p95_seconds: float
    p99_seconds: float
    requests: int
    failures: int
    seconds: float
    extra: dict = field(default_factory=dict)


def wrk(port: int, path: str, clients: int, seconds: float) -> LoadResult:
    """Run wrk with `clients` connections for `seconds` against 127.0.0.1."""
    if shutil.which("wrk") is None:
        raise LoadGeneratorError("wrk is not installed: run apt-get install -y wrk")
    command = [
        "wrk",
        f"--threads={min(clients, 2)}",
        f"--connections={clients}",
        f"--duration={max(1, round(seconds))}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command, capture_output=True, text=True, check=True
    ).stdout
    rate = WRK_RATE.search(output)
    latencies = {
        int(percent): float(value) * UNIT_SECONDS[unit]
        for percent, value, unit in WRK_LATENCY.findall(output)
    }
    if rate is None or 99 not in latencies:
        raise LoadGeneratorError(f"could not read wrk's output:\n{output}")
    failures = 0
    for non_2xx, socket_errors in WRK_ERRORS.findall(output):
        failures += int(non_2xx or 0)
        failures += sum(int(n) for n in re.findall(r"\d+", socket_errors or ""))
    requests = re.search(r"(\d+) requests in", output)
    return LoadResult(
        requests_per_second=float(rate.group(1)),
        p50_seconds=latencies[50],
        # wrk prints no 95th percentile; the 90th is the nearest below it.
        p95_seconds=float("nan"),
        p99_seconds=latencies[99],
        requests=int(requests.group(1)) if requests else 0,
        failures=failures,
        seconds=seconds,
        extra={"p90_seconds": latencies[90]},
    )


HEY_LATENCY = re.compile(r"^\s*(\d+)%+ in ([\d.]+) secs", re.MULTILINE)
HEY_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
HEY_STATUS = re.compile(r"^\s*\[(\d+)\]\s+(\d+) responses", re.MULTILINE)
HEY_ERRORS = re.compile(r"^\s*\[(\d+)\]\s+Get .*$", re.MULTILINE)


def hey(
    port: int, path: str, requests: int, clients: int, cookies: dict[str, str]
) -> LoadResult:
    """Send `requests` GETs with hey from `clients` workers; hey reports the p95."""
    if shutil.which("hey") is None:
        raise LoadGeneratorError("hey is not installed: run apt-get install -y hey")
    command = ["hey", "-n", str(requests), "-c", str(clients), "-t", "60"]
    if cookies:
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command, capture_output=True, text=True, check=True
    ).stdout
    latencies = {
        int(percent): float(value) for percent, value in HEY_LATENCY.findall(output)
    }
    rate = HEY_RATE.search(output)
    if rate is None or 95 not in latencies:
        raise LoadGeneratorError(f"could not read hey's output:\n{output}")
    statuses = {int(code): int(count) for code, count in HEY_STATUS.findall(output)}
    answered = sum(statuses.values())
    failures = sum(count for code, count in statuses.items() if code >= 400)
    failures += requests - answered
    return LoadResult(
        requests_per_second=float(rate.group(1)),
        p50_seconds=latencies.get(50, float("nan")),
        p95_seconds=latencies[95],
        # hey prints "0% in 0.0000 secs" for the 99th percentile of small runs.
        p99_seconds=latencies.get(99) or float("nan"),
        requests=answered,
        failures=failures,
        seconds=answered / float(rate.group(1)) if float(rate.group(1)) else 0.0,
        extra={"statuses": statuses},
    )


def threaded_gets(
    port: int,
    path: str,
    clients: int,
    seconds: float,
    cookies: dict[str, str] | None = None,
) -> LoadResult:
    """GET path from `clients` threads, each in a loop, for `seconds`."""
    return run_threads(
        port, clients, seconds, lambda browser, index: browser.get(path), cookies
    )


def run_threads(
    port: int,
    clients: int,
    seconds: float,
    task: Callable[[Browser, int], object],
    cookies: dict[str, str] | None = None,
) -> LoadResult:
    """Run task in a loop on `clients` threads until `seconds` have passed.

    A task started before the deadline runs to its end. Requests that fail
    or return a status of 400 or more count as failures.
    """
    browsers = [Browser(port, dict(cookies or {})) for _ in range(clients)]
    finished = [0]
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(browser: Browser, index: int) -> None:
        while time.monotonic() < deadline:
            try:
                task(browser, index)
            except Exception as error:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                finished[0] += 1

    started = time.monotonic()
    threads = [
        threading.Thread(target=loop, args=(browser, index))
        for index, browser in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    timings: list[Timing] = [t for browser in browsers for t in browser.timings]
    return summarise(timings, elapsed, errors, finished[0])


def summarise(
    timings: list[Timing], elapsed: float, errors: list[str], tasks: int
) -> LoadResult:
    durations = [timing.seconds for timing in timings]
    failures = sum(
        1 for timing in timings if timing.status == 0 or timing.status >= 400
    )
    return LoadResult(
        requests_per_second=len(timings) / elapsed if elapsed else 0.0,
        p50_seconds=percentile(durations, 0.50),
        p95_seconds=percentile(durations, 0.95),
        p99_seconds=percentile(durations, 0.99),
        requests=len(timings),
        failures=failures,
        seconds=elapsed,
        extra={
            "tasks": tasks,
            "errors": errors[:5],
            "n_errors": len(errors),
            "timings": timings,
        },
    )
