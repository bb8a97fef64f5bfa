"""The app's read-only access to published.duckdb."""

import threading
import time

import duckdb
import pytest

from pipeline.publish import Publication, publish_build
from survey_app.warehouse import (
    WarehouseNotPublishedError,
    get_publication,
    get_warehouse,
    query,
)

from .test_publish import make_build, publish


def test_get_warehouse_is_none_before_publish(app):
    with app.app_context():
        assert get_warehouse() is None
        assert get_publication() is None
        with pytest.raises(WarehouseNotPublishedError):
            query("select 1")


def test_query_returns_rows_as_dicts(app, settings):
    publish(settings, run_id=3, label="first")

    with app.app_context():
        rows = query("select label, ? as number from marts.build_label", [4])
        publication = get_publication()

    assert rows == [{"label": "first", "number": 4}]
    assert publication["run_id"] == 3


def test_get_warehouse_reopens_after_swap(app, settings):
    publish(settings, run_id=1, label="old")

    with app.app_context():
        old_cursor = get_warehouse()
        assert query("select label from marts.build_label") == [{"label": "old"}]

        publish(settings, run_id=2, label="new")

        assert query("select label from marts.build_label") == [{"label": "new"}]
        with old_cursor:
            label = old_cursor.execute("select label from marts.build_label")
            assert label.fetchone() == ("old",)


def test_warehouse_is_read_only(app, settings):
    publish(settings, run_id=1, label="only")

    with app.app_context(), pytest.raises(duckdb.Error):
        query("create table marts.extra as select 1 as one")


def test_warehouse_reads_no_other_files(app, settings, tmp_path):
    publish(settings, run_id=1, label="only")
    other = tmp_path / "other.csv"
    other.write_text("secret\n1\n")

    with app.app_context(), pytest.raises(duckdb.PermissionException):
        query("select * from read_csv(?)", [str(other)])


def test_warehouse_resolves_views_built_in_build_file(app, settings):
    make_build(settings.build_path, "viewed")
    # dbt writes views with the catalog name of the file it builds into.
    with duckdb.connect(str(settings.build_path)) as connection:
        connection.execute(
            "create view marts.label_view as "
            "select label from published.marts.build_label"
        )
    publish_build(
        settings.build_path,
        settings.published_path,
        settings.previous_dir,
        Publication(run_id=1, n_responses_loaded=3, last_response_seq=3),
    )

    with app.app_context():
        rows = query("select label from marts.label_view")

    assert rows == [{"label": "viewed"}]


def test_warehouse_serves_threads_during_swaps(app, settings):
    publish(settings, run_id=0, label="run 0")
    labels = {f"run {run_id}" for run_id in range(6)}
    seen: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_until_stopped():
        with app.app_context():
            while not stop.is_set():
                try:
                    rows = query("select label from marts.build_label")
                except BaseException as error:
                    errors.append(error)
                    return
                seen.append(rows[0]["label"])

    readers = [threading.Thread(target=read_until_stopped) for _ in range(4)]
    for reader in readers:
        reader.start()
    for run_id in range(1, 6):
        time.sleep(0.1)
        publish(settings, run_id=run_id, label=f"run {run_id}")
    time.sleep(0.1)
    stop.set()
    for reader in readers:
        reader.join(timeout=30)

    assert errors == []
    assert set(seen) <= labels
    assert seen[-1] == "run 5"
