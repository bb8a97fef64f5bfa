"""Publishing a build: the publication row and the atomic swap."""

import subprocess
import sys
from importlib.metadata import version

import duckdb
import pytest

from pipeline.publish import (
    KEEP_PREVIOUS,
    Publication,
    PublishError,
    publish_build,
    remove_leftover_builds,
)

READER_SCRIPT = """
import sys
import duckdb

connection = duckdb.connect(sys.argv[1], read_only=True)
query = "select label from marts.build_label"
print(connection.execute(query).fetchone()[0], flush=True)
sys.stdin.readline()
print(connection.execute(query).fetchone()[0], flush=True)
"""


def make_build(path, label: str, responses: int = 3) -> None:
    """Write a DuckDB file shaped like a dbt build, labelled label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.responses as select range as response_seq "
            f"from range({responses})"
        )
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.build_label as select ? as label", [label]
        )


def publish(settings, run_id: int, label: str, responses: int = 3):
    make_build(settings.build_path, label, responses)
    return publish_build(
        settings.build_path,
        settings.published_path,
        settings.previous_dir,
        Publication(run_id=run_id, n_responses_loaded=1, last_response_seq=responses),
    )


def test_publish_writes_publication_row(settings):
    published_at = publish(settings, run_id=7, label="first", responses=5)

    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        rows = connection.execute(
            "select run_id, published_at, n_responses, n_responses_loaded, "
            "last_response_seq, dbt_version, gx_version, duckdb_version "
            "from marts.publication"
        ).fetchall()

    assert rows == [
        (
            7,
            published_at,
            5,
            1,
            5,
            version("dbt-core"),
            version("great-expectations"),
            duckdb.__version__,
        )
    ]
    assert not settings.build_path.exists()


def test_publish_swap_keeps_old_file_for_open_reader(settings):
    publish(settings, run_id=1, label="old")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT, str(settings.published_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with reader.stdin, reader.stdout:
        assert reader.stdout.readline() == "old\n"

        publish(settings, run_id=2, label="new")
        reader.stdin.write("again\n")
        reader.stdin.flush()

        assert reader.stdout.readline() == "old\n"
    assert reader.wait(timeout=30) == 0
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        label = connection.execute("select label from marts.build_label").fetchone()
    assert label == ("new",)


def test_publish_keeps_previous_files(settings):
    for run_id in range(1, 5):
        publish(settings, run_id=run_id, label=f"run {run_id}")

    previous = sorted(settings.previous_dir.iterdir())

    assert len(previous) == KEEP_PREVIOUS
    labels = []
    for path in previous:
        with duckdb.connect(str(path), read_only=True) as connection:
            labels.append(
                connection.execute("select label from marts.build_label").fetchone()[0]
            )
    assert labels == ["run 2", "run 3"]


def test_publish_failure_leaves_published_untouched(settings):
    publish(settings, run_id=1, label="good")
    before = settings.published_path.read_bytes()
    before_status = settings.published_path.stat()
    # A build without raw.responses cannot be stamped.
    settings.build_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(settings.build_path)).close()

    with pytest.raises(PublishError, match="raw.responses"):
        publish_build(
            settings.build_path,
            settings.published_path,
            settings.previous_dir,
            Publication(run_id=2, n_responses_loaded=0, last_response_seq=0),
        )

    assert settings.published_path.read_bytes() == before
    assert settings.published_path.stat().st_ino == before_status.st_ino
    assert settings.published_path.stat().st_mtime_ns == before_status.st_mtime_ns


def test_leftover_builds_are_removed(settings):
    make_build(settings.build_path, "crashed")
    settings.build_path.with_name("published.duckdb.wal").write_bytes(b"partial")

    remove_leftover_builds(settings.build_dir)

    assert list(settings.build_dir.iterdir()) == []
