"""Gunicorn serving the app on 127.0.0.1, started and killed by the tests."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from survey_app.config import PROJECT_ROOT

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(var_dir: Path, secret_key: str) -> dict[str, str]:
    """Return the environment that points the app and the pipeline at var_dir."""
    return {
        **os.environ,
        "IMHARS_ENV": "development",
        "IMHARS_SECRET_KEY": secret_key,
        "IMHARS_VAR_DIR": str(var_dir),
        "IMHARS_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
        "IMHARS_WAREHOUSE_DIR": str(var_dir / "warehouse"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }


class GunicornServer:
    """`gunicorn -c python:survey_app.gunicorn_config` with sync workers.

    The development settings keep session cookies usable over plain HTTP;
    everything else is as in production.
    """

    def __init__(self, var_dir: Path, log_path: Path, workers: int = 4):
        self.var_dir = var_dir
        self.log_path = log_path
        self.workers = workers
        # Variables added to the app's environment at the next start.
        self.extra_environment: dict[str, str] = {}
        self.secret_key = secrets.token_hex(32)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until it responds to a request."""
        environment = {
            **app_environment(self.var_dir, self.secret_key),
            "IMHARS_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            **self.extra_environment,
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "python:survey_app.gunicorn_config",
                    # Gunicorn 25.1 and later create a control socket in
                    # $HOME by default, which parallel servers would share.
                    "--no-control-socket",
                ],
                cwd=PROJECT_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with status {self.process.returncode}; "
                    f"its log is {self.log_path}"
                )
            try:
                with opener.open(self.url + "/", timeout=5) as response:
                    if response.status == 200 and len(self.worker_pids()) == (
                        self.workers
                    ):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(
            f"gunicorn did not serve {self.url} within {START_TIMEOUT_SECONDS} s; "
            f"its log is {self.log_path}"
        )

    @property
    def master_pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """Return the process ids of the master's workers."""
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_worker(self) -> int:
        """Send SIGKILL to one worker; the master starts another. Return its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_workers(self) -> list[int]:
        """Send SIGKILL to every worker at once; the master starts new ones."""
        workers = self.worker_pids()
        for pid in workers:
            _kill(pid)
        return workers

    def kill(self) -> None:
        """Send SIGKILL to the master and then to each of its workers."""
        workers = self.worker_pids()
        _kill(self.master_pid)
        for pid in workers:
            _kill(pid)
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        _wait_for_exit(workers)

    def stop(self) -> None:
        """Stop gracefully with SIGTERM, or kill after STOP_TIMEOUT_SECONDS."""
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        _wait_for_exit(workers)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_for_exit(pids: list[int]) -> None:
    """Wait until each process is gone, so no worker writes after the test."""
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for pid in pids:
        while Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn worker {pid} did not exit")
            time.sleep(0.05)


def _is_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] == "Z"
