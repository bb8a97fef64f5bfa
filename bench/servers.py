"""Start and stop gunicorn on 127.0.0.1 for the web benchmarks.

Every server uses survey_app/gunicorn_config.py, the product's settings,
with one sync worker per CPU core. Only the application differs: the survey
app, or bench.bare_app for the baselines.
"""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .settings import PROJECT_ROOT

GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
PIPELINE = PROJECT_ROOT / ".venv" / "bin" / "imhars-pipeline"
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


class ServerError(RuntimeError):
    """A benchmark server did not start or stop as expected."""


@dataclass(frozen=True)
class Workspace:
    """An operational store and a warehouse folder that the app and pipeline share."""

    root: Path

    @property
    def store_path(self) -> Path:
        return self.root / "imhars.sqlite"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    def environment(self, secret_key: str | None = None) -> dict[str, str]:
        """Return the environment of an app or pipeline process on this workspace."""
        return {
            **os.environ,
            "IMHARS_ENV": "production",
            "IMHARS_SECRET_KEY": secret_key or secrets.token_hex(32),
            "IMHARS_VAR_DIR": str(self.root),
            "IMHARS_DATABASE_URL": f"sqlite:///{self.store_path}",
            "IMHARS_WAREHOUSE_DIR": str(self.warehouse_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }


@dataclass(frozen=True)
class Server:
    """A running gunicorn master and the port it serves."""

    process: subprocess.Popen
    port: int


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_count() -> int:
    return os.cpu_count() or 1


@contextmanager
def gunicorn(app: str, environment: dict[str, str], log_path: Path, ready_path="/"):
    """Serve app (a WSGI spec like bench.bare_app:app) until the block ends."""
    port = free_port()
    environment = {
        **environment,
        "WEB_CONCURRENCY": str(worker_count()),
        "IMHARS_BIND": f"127.0.0.1:{port}",
    }
    command = [
        str(GUNICORN),
        "--config",
        "python:survey_app.gunicorn_config",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(worker_count()),
        app,
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, port, ready_path, log_path)
        yield Server(process, port)
    finally:
        _stop(process)


def _wait_until_ready(process, port: int, path: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"gunicorn ended with exit status {process.returncode} before "
                f"serving: read {log_path}"
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise ServerError(
        f"gunicorn did not answer on port {port} within "
        f"{READY_TIMEOUT_SECONDS} s: read {log_path}"
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM), or kill it after a timeout."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
