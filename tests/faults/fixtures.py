"""Fixtures of the fault and soak tests: servers on fresh stores, small disks."""

import threading

import pytest
from werkzeug.serving import make_server

from .disks import SmallDisk
from .server import GunicornServer
from .store import create_open_surveys


@pytest.fixture
def make_served_surveys(tmp_path):
    """Create surveys open today for `respondents` people and serve them.

    Returns the started server and the targets to answer; every server it
    started is stopped after the test.
    """
    servers = []

    def make(respondents: int, workers: int = 4):
        var_dir = tmp_path / "var"
        server = GunicornServer(var_dir, tmp_path / "gunicorn.log", workers)
        targets = create_open_surveys(var_dir, server.secret_key, respondents)
        servers.append(server)
        server.start()
        return server, targets

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def serve():
    """Serve an app with werkzeug on 127.0.0.1; returns its base URL."""
    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def small_disks(tmp_path):
    """Mount tmpfs file systems of a given size; each is unmounted after the test."""
    disks = []

    def mount(path, size_mb: int) -> SmallDisk:
        disk = SmallDisk(path, size_mb)
        disks.append(disk)
        disk.mount()
        return disk

    yield mount
    for disk in reversed(disks):
        disk.unmount()
