"""Run the app under gunicorn with survey_app/gunicorn_config.py, on 127.0.0.1.

The server's stdout and stderr (gunicorn's access and error logs, and the
app's log) go to one file that tests read back. A small client keeps the
session cookie by hand, because the production cookie is Secure and
http.cookiejar would not send it over plain HTTP.
"""

import http.client
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

REPOSITORY = Path(__file__).resolve().parents[2]
GUNICORN = REPOSITORY / ".venv" / "bin" / "gunicorn"
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornServer:
    """gunicorn -c python:survey_app.gunicorn_config, with one worker."""

    def __init__(self, var_dir: Path, log_path: Path, **environment: str):
        self.port = free_port()
        self.log_path = log_path
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("IMHARS_")
        }
        env.update(
            IMHARS_VAR_DIR=str(var_dir),
            IMHARS_DATABASE_URL=f"sqlite:///{var_dir / 'imhars.sqlite'}",
            IMHARS_WAREHOUSE_DIR=str(var_dir / "warehouse"),
            IMHARS_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY="1",
        )
        env.update(environment)
        self.environment = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "GunicornServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                [str(GUNICORN), "-c", "python:survey_app.gunicorn_config"],
                cwd=REPOSITORY,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.log()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.2)
                continue
            # The port opens before the worker has loaded the app: ask it once.
            self.client().get("/")
            return
        self.stop()
        raise AssertionError(f"gunicorn did not start: {self.log()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client(self, user_agent: str = "security-tests", **kwargs) -> "Client":
        return Client(self.port, user_agent, **kwargs)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def status_code(self) -> int:
        return self.status

    def get_data(self, as_text: bool = True) -> str:
        return self.body

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


class Client:
    """An HTTP client for 127.0.0.1 that keeps the session cookie.

    query is added to every path, and headers to every request. get and post
    take the arguments of Flask's test client, so tests/security/respondent.py
    can drive it.
    """

    def __init__(self, port: int, user_agent: str, query: str = "", headers=None):
        self.port = port
        self.user_agent = user_agent
        self.query = query
        self.headers = headers or {}
        self.session_cookie: str | None = None

    def request(self, method: str, path: str, form=None, headers=None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        if self.query:
            path = f"{path}{'&' if '?' in path else '?'}{self.query}"
        sent = {"User-Agent": self.user_agent, **self.headers, **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.session_cookie:
            sent["Cookie"] = self.session_cookie
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(
                response.status, response.headers, response.read().decode("utf-8")
            )
        finally:
            connection.close()
        for cookie in reply.cookies():
            if cookie.startswith("session="):
                self.session_cookie = cookie.split(";")[0]
        return reply

    def get(self, path: str, headers=None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form=None, headers=None, data=None) -> Reply:
        return self.request("POST", path, form=form or data or {}, headers=headers)
