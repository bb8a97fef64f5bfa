"""A full or read-only disk under the warehouse or under the operational store.

The warehouse's disk failing stops the pipeline with a clear message while
the app keeps collecting. The store's disk failing turns a submission into a
503 page, keeps the respondent's answers in their session, and loses nothing
stored: the same send works once the disk is back.
"""

import random
import sqlite3
from contextlib import closing

import pytest

from survey_app.db import codes_path_for
from survey_app.warehouse import get_publication

from .checks import unstored_acknowledgements
from .respondents import SubmissionFailedError, WebRespondent
from .store import (
    create_open_surveys,
    incomplete_responses,
    integrity_check,
    make_app,
    stored_responses,
)
from .survey_data import add_responses
from .warehouse import (
    file_sha256,
    publish_without_dbt,
    published_path,
    raw_response_ids,
    run_pipeline,
    warehouse_dir,
)

SECRET_KEY = "disk-fault-test-secret"
UNAVAILABLE_TITLE = "Sorry, the service is unavailable"
# The operating system's words for each fault, which the message must name.
PIPELINE_ERRORS = {
    "full": "No space left on device",
    "read-only": "Read-only file system",
}


def respondent(url: str, target, seed: int = 0) -> WebRespondent:
    return WebRespondent(url, target, random.Random(seed))


@pytest.fixture
def warehouse_disk(tmp_path, small_disks):
    """A store with surveys and responses, and a published warehouse on a tmpfs."""
    var_dir = tmp_path / "var"
    disk = small_disks(warehouse_dir(var_dir), size_mb=64)
    targets = create_open_surveys(var_dir, SECRET_KEY, respondents=8)
    add_responses(var_dir, 20, seed=1)
    publish_without_dbt(var_dir, run_id=1)
    return var_dir, disk, targets


def check_app_keeps_collecting(var_dir, targets, serve) -> None:
    """Check that the app stores a questionnaire and still reads the results."""
    app = make_app(var_dir, SECRET_KEY)
    url = serve(app)

    sent = respondent(url, targets[1]).submit()

    assert sent.response_id in stored_responses(var_dir / "imhars.sqlite")
    with app.app_context():
        assert get_publication()["run_id"] == 1
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_warehouse_disk_fault_stops_pipeline(fault, warehouse_disk, serve):
    var_dir, disk, targets = warehouse_disk
    published = published_path(var_dir)
    digest_before = file_sha256(published)
    add_responses(var_dir, 5, seed=2)
    if fault == "full":
        disk.fill()
    else:
        disk.set_read_only(True)

    result = run_pipeline(var_dir)

    assert result.returncode == 1, result.output[-3000:]
    message = result.output.splitlines()[-1]
    assert message.startswith("Error: load failed: "), message
    assert "raw.duckdb" in message
    assert PIPELINE_ERRORS[fault] in message
    assert "close any other program" not in message
    assert file_sha256(published) == digest_before
    check_app_keeps_collecting(var_dir, targets, serve)

    disk.set_read_only(False)
    disk.free()
    publish_without_dbt(var_dir, run_id=2)

    stored = set(stored_responses(var_dir / "imhars.sqlite"))
    assert raw_response_ids(var_dir) == stored


@pytest.fixture
def store_disk(tmp_path, small_disks, serve):
    """Surveys open today with a store on a tmpfs; returns the disk, store, app
    and server URL."""
    var_dir = tmp_path / "var"
    disk = small_disks(tmp_path / "store-disk", size_mb=16)
    store = disk.path / "imhars.sqlite"
    targets = create_open_surveys_on(var_dir, store)
    app = make_app(var_dir, SECRET_KEY, store=store)
    yield disk, store, targets, app, serve(app)
    app.extensions["db_engine"].dispose()


def create_open_surveys_on(var_dir, store):
    """Create the surveys under var_dir, then move the store and its access
    codes file beside store."""
    targets = create_open_surveys(var_dir, SECRET_KEY, respondents=8)
    moves = (
        (var_dir / "imhars.sqlite", store, "wal"),
        (var_dir / "imhars-codes.sqlite", codes_path_for(store), "delete"),
    )
    for source_path, target_path, journal_mode in moves:
        source = sqlite3.connect(source_path)
        target = sqlite3.connect(target_path)
        source.backup(target)
        target.execute(f"pragma journal_mode = {journal_mode}")
        target.close()
        source.close()
        source_path.unlink()
    return targets


def truncate_wal(store) -> None:
    """Checkpoint and empty the write-ahead log, so the next commit must grow it."""
    with closing(sqlite3.connect(store)) as connection:
        busy, _, _ = connection.execute("pragma wal_checkpoint(truncate)").fetchone()
    assert busy == 0


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_store_disk_fault_shows_503(fault, store_disk):
    disk, store, targets, app, url = store_disk
    earlier = [respondent(url, targets[1], seed).submit() for seed in range(3)]
    waiting = respondent(url, targets[2], seed=10)
    check_page = waiting.answer_all()
    truncate_wal(store)
    if fault == "full":
        disk.fill()
    else:
        # A file system with files open for writing cannot turn read-only,
        # so the app's pooled connections are closed first.
        app.extensions["db_engine"].dispose()
        disk.set_read_only(True)

    with pytest.raises(SubmissionFailedError) as failure:
        waiting.send(check_page)

    assert failure.value.status == 503
    assert UNAVAILABLE_TITLE in failure.value.html
    disk.set_read_only(False)
    disk.free()
    stored = stored_responses(store)
    assert unstored_acknowledgements(earlier, stored) == []
    assert len(stored) == len(earlier)
    assert integrity_check(store) == ["ok"]

    sent = waiting.send(check_page)

    stored = stored_responses(store)
    assert unstored_acknowledgements([*earlier, sent], stored) == []
    assert len(stored) == len(earlier) + 1
    assert incomplete_responses(store) == []
    assert integrity_check(store) == ["ok"]
