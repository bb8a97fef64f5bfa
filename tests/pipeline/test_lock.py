"""The pipeline lock, var/pipeline.lock."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipeline.lock import PipelineBusyError, is_pipeline_running, pipeline_lock
from survey_app.models import PipelineRun

from .conftest import run_pipeline_command

HOLDER_SCRIPT = """
import sys
from pathlib import Path

from pipeline.lock import pipeline_lock

with pipeline_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_lock_rejects_second_holder(tmp_path):
    lock_path = tmp_path / "pipeline.lock"

    with pipeline_lock(lock_path):
        with pytest.raises(PipelineBusyError, match=f"process {os.getpid()}"):
            with pipeline_lock(lock_path):
                pass
        assert is_pipeline_running(lock_path)

    assert not is_pipeline_running(lock_path)


def test_lock_waits_for_release(tmp_path):
    lock_path = tmp_path / "pipeline.lock"
    lock_taken = threading.Event()

    def hold_briefly():
        with pipeline_lock(lock_path):
            lock_taken.set()
            time.sleep(1)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    lock_taken.wait(timeout=10)
    started = time.monotonic()

    with pipeline_lock(lock_path, wait_seconds=30):
        waited = time.monotonic() - started

    holder.join()
    assert 0.3 < waited < 10


def test_lock_is_released_when_holder_is_killed(tmp_path):
    lock_path = tmp_path / "pipeline.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with holder.stdin, holder.stdout:
        assert holder.stdout.readline() == "locked\n"
        assert is_pipeline_running(lock_path)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)

    with pipeline_lock(lock_path):
        assert lock_path.read_text() == f"{os.getpid()}\n"


def test_second_run_fails_fast_while_locked(settings, session):
    queued = PipelineRun(status="queued", started_by="app")
    session.add(queued)
    session.commit()

    with pipeline_lock(settings.lock_path):
        started = time.monotonic()
        result = run_pipeline_command(settings, "run", "--run-id", str(queued.run_id))
        elapsed = time.monotonic() - started

    assert result.returncode == 3
    assert f"another pipeline run (process {os.getpid()})" in result.stderr
    assert elapsed < 30
    session.refresh(queued)
    assert queued.status == "failed"
    assert "another pipeline run" in queued.message
    assert not settings.raw_path.exists()
