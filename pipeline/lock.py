"""The pipeline lock: an flock on var/pipeline.lock, so runs never overlap.

The kernel releases an flock when its process ends, however it ends, so a
crashed run never leaves the lock behind. The holder writes its process id
into the file for the message another run shows.
"""

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PipelineError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class PipelineBusyError(PipelineError):
    step = "lock"


@contextmanager
def pipeline_lock(lock_path: Path, wait_seconds: float = 0) -> Iterator[None]:
    """Hold the pipeline lock for the block.

    Waits up to wait_seconds for another run to finish, then raises
    PipelineBusyError. With the default 0 a second run fails at once.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # Opened for appending so that a waiting run does not erase the holder's
    # process id before it has the lock.
    with open(lock_path, "a+", encoding="utf-8") as handle:
        _acquire(handle, lock_path, wait_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, lock_path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)

    handle.seek(0)
    holder = handle.read().strip() or "unknown"
    raise PipelineBusyError(
        f"another pipeline run (process {holder}) holds {lock_path}",
        "wait for it to finish and look at its result, or pass --wait-seconds "
        "to wait for it",
    )


def is_pipeline_running(lock_path: Path) -> bool:
    """Return whether a pipeline run holds the lock now.

    Takes the lock for an instant to find out, so a run that starts in that
    instant without --wait-seconds fails as busy.
    """
    try:
        handle = open(lock_path, encoding="utf-8")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
