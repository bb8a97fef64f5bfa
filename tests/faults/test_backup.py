"""flask backup and restore: a restored folder contains what was backed up, and
damaged backups or occupied targets are rejected before anything changes."""

import json
import sqlite3
import threading
from contextlib import closing

import duckdb
import pytest
from alembic import command
from sqlalchemy import select

from pipeline.lock import pipeline_lock
from survey_app.db import get_db
from survey_app.migrate import alembic_config
from survey_app.models import SurveyLink
from survey_app.windows import issue_access_codes, set_access

from .checks import unstored_acknowledgements
from .commands import flask_command, sqlite_tables
from .respondents import LoadRun
from .store import (
    codes_path,
    incomplete_responses,
    integrity_check,
    make_app,
    spent_codes,
    store_path,
    stored_responses,
)
from .survey_data import add_responses, create_surveys
from .warehouse import file_sha256, publish_without_dbt, warehouse_dir

WAREHOUSE_NAMES = ("raw.duckdb", "published.duckdb")


@pytest.fixture
def var_with_data(tmp_path):
    """A store with responses in two years, loaded and published twice, and
    access codes of which two are spent."""
    var_dir = tmp_path / "var"
    create_surveys(var_dir, ["2023/24", "2024/25"])
    add_responses(var_dir, 30, seed=1)
    publish_without_dbt(var_dir, run_id=1)
    add_responses(var_dir, 10, seed=2)
    publish_without_dbt(var_dir, run_id=2)
    issue_spent_codes(var_dir, count=6, spent=2)
    return var_dir


def issue_spent_codes(var_dir, count: int, spent: int) -> None:
    """Issue count codes on the first link and mark the first `spent` spent."""
    app = make_app(var_dir)
    try:
        with app.app_context():
            db = get_db()
            link = db.scalars(select(SurveyLink).order_by(SurveyLink.link_id)).first()
            set_access(link, "codes", kiosk=False, number_on_roll=None)
            issue_access_codes(db, link, "Class 6", count)
            db.commit()
    finally:
        app.extensions["db_engine"].dispose()
    with closing(sqlite3.connect(codes_path(var_dir))) as connection:
        connection.execute(
            "update access_codes set is_spent = 1 where code_hash in "
            "(select code_hash from access_codes order by code_hash limit ?)",
            (spent,),
        )
        connection.commit()


def duckdb_tables(path) -> dict[str, list[tuple]]:
    """Return every row of every table of a DuckDB file, in a total order."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{path}' as copy (read_only)")
        names = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'copy' order by all"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(
                f'select * from copy."{schema}"."{table}" order by all'
            ).fetchall()
            for schema, table in names
        }


def test_restore_into_fresh_folder_matches(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    fresh = tmp_path / "fresh" / "var"

    backed_up = flask_command(var_with_data, "backup", str(backup_dir))
    restored = flask_command(fresh, "restore", str(backup_dir))

    assert backed_up.returncode == 0, backed_up.stderr
    assert restored.returncode == 0, restored.stderr
    assert "Restored 40 responses" in restored.stdout
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["responses"] == 40
    assert manifest["raw_last_response_seq"] == 40
    assert manifest["published_run_id"] == 2
    assert sorted(manifest["files"]) == [
        "imhars-codes.sqlite",
        "imhars.sqlite",
        *sorted(WAREHOUSE_NAMES),
    ]
    for name, facts in manifest["files"].items():
        assert file_sha256(backup_dir / name) == facts["sha256"]
    assert sqlite_tables(store_path(fresh)) == sqlite_tables(store_path(var_with_data))
    assert sqlite_tables(codes_path(fresh)) == sqlite_tables(codes_path(var_with_data))
    assert sqlite_tables(codes_path(fresh))["access_codes"]
    assert integrity_check(store_path(fresh)) == ["ok"]
    for name in WAREHOUSE_NAMES:
        original = warehouse_dir(var_with_data) / name
        copy = warehouse_dir(fresh) / name
        assert file_sha256(copy) == file_sha256(original)
        assert duckdb_tables(copy) == duckdb_tables(original)


def test_restore_of_backup_without_codes_file(var_with_data, tmp_path):
    """A backup made before access codes had their own file stores them in
    imhars.sqlite at revision 0004: restore empties the codes file, and
    db-upgrade moves the backup's codes into it."""
    backup_dir = tmp_path / "backup"
    codes_before = sqlite_tables(codes_path(var_with_data))
    app = make_app(var_with_data)
    engine = app.extensions["db_engine"]
    with engine.begin() as connection:
        command.downgrade(alembic_config(engine, connection), "0004")
    engine.dispose()
    flask_command(var_with_data, "backup", str(backup_dir))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    del manifest["files"]["imhars-codes.sqlite"]
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    (backup_dir / "imhars-codes.sqlite").unlink()
    other = tmp_path / "other" / "var"
    create_surveys(other, ["2025/26"])
    issue_spent_codes(other, count=3, spent=1)

    restored = flask_command(other, "restore", "--force", str(backup_dir))
    emptied = sqlite_tables(codes_path(other))
    upgraded = flask_command(other, "db-upgrade")

    assert restored.returncode == 0, restored.stderr
    assert emptied == {}
    assert upgraded.returncode == 0, upgraded.stderr
    assert sqlite_tables(codes_path(other)) == codes_before
    assert "access_codes" not in sqlite_tables(store_path(other))
    assert integrity_check(store_path(other)) == ["ok"]


def test_restored_store_takes_next_load(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    fresh = tmp_path / "fresh" / "var"
    flask_command(var_with_data, "backup", str(backup_dir))
    flask_command(fresh, "restore", str(backup_dir))
    add_responses(fresh, 5, seed=3)

    publish_without_dbt(fresh, run_id=3)

    with duckdb.connect(":memory:") as connection:
        connection.execute(
            f"attach '{warehouse_dir(fresh) / 'raw.duckdb'}' as raw_store (read_only)"
        )
        loaded = connection.execute(
            "select count(*) from raw_store.raw.responses"
        ).fetchone()[0]
    assert loaded == 45


def test_restore_rejects_occupied_target(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    other = tmp_path / "other" / "var"
    create_surveys(other, ["2025/26"])
    add_responses(other, 3, seed=9)
    before = sqlite_tables(store_path(other))
    flask_command(var_with_data, "backup", str(backup_dir))

    rejected = flask_command(other, "restore", str(backup_dir))

    assert rejected.returncode == 1
    assert str(store_path(other)) in rejected.stderr
    assert "--force" in rejected.stderr
    assert sqlite_tables(store_path(other)) == before

    forced = flask_command(other, "restore", "--force", str(backup_dir))

    assert forced.returncode == 0, forced.stderr
    assert sqlite_tables(store_path(other)) == sqlite_tables(store_path(var_with_data))


def test_restore_rejects_changed_file(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    fresh = tmp_path / "fresh" / "var"
    flask_command(var_with_data, "backup", str(backup_dir))
    damaged = backup_dir / "raw.duckdb"
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0xFF
    damaged.write_bytes(bytes(content))

    rejected = flask_command(fresh, "restore", str(backup_dir))

    assert rejected.returncode == 1
    assert str(damaged) in rejected.stderr
    assert "SHA-256" in rejected.stderr
    assert not store_path(fresh).exists()
    assert not (warehouse_dir(fresh) / "raw.duckdb").exists()


def test_restore_rejects_folder_without_manifest(var_with_data, tmp_path):
    not_a_backup = tmp_path / "not-a-backup"
    not_a_backup.mkdir()

    rejected = flask_command(var_with_data, "restore", str(not_a_backup))

    assert rejected.returncode == 1
    assert "manifest.json does not exist" in rejected.stderr


def test_backup_rejects_non_empty_folder(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "notes.txt").write_text("kept")

    rejected = flask_command(var_with_data, "backup", str(backup_dir))

    assert rejected.returncode == 1
    assert "is not empty" in rejected.stderr
    assert sorted(path.name for path in backup_dir.iterdir()) == ["notes.txt"]


def test_backup_waits_for_pipeline_lock(var_with_data, tmp_path):
    backup_dir = tmp_path / "backup"
    app = make_app(var_with_data)
    lock_path = app.config["VAR_DIR"] / "pipeline.lock"
    app.extensions["db_engine"].dispose()

    with pipeline_lock(lock_path):
        busy = flask_command(
            var_with_data, "backup", "--wait-seconds", "0", str(backup_dir)
        )

    assert busy.returncode == 1
    assert "another pipeline run" in busy.stderr
    assert "--wait-seconds" in busy.stderr
    assert not (backup_dir / "manifest.json").exists()


@pytest.mark.slow
def test_backup_during_load_is_consistent(make_served_surveys, tmp_path):
    server, targets = make_served_surveys(120)
    load = LoadRun(server.url, targets, 120, threads=8)
    runner = threading.Thread(target=load.run)
    runner.start()
    load.wait_for(30, timeout=300)
    acknowledged_before = {sent.response_id for sent in load.acknowledged}

    backed_up = flask_command(server.var_dir, "backup", str(tmp_path / "backup"))

    runner.join(timeout=600)
    assert backed_up.returncode == 0, backed_up.stderr
    assert load.failures == []
    copy = tmp_path / "backup" / "imhars.sqlite"
    in_backup = stored_responses(copy)
    assert acknowledged_before <= set(in_backup)
    assert set(in_backup) <= {sent.response_id for sent in load.acknowledged}
    assert len(in_backup) < len(load.acknowledged), "the backup ran after the load"
    assert (
        unstored_acknowledgements(
            [sent for sent in load.acknowledged if sent.response_id in in_backup],
            in_backup,
        )
        == []
    )
    assert incomplete_responses(copy) == []
    assert integrity_check(copy) == ["ok"]
    coded = [item for item in in_backup.values() if item.token == targets[0].token]
    # The codes file is copied after the store, so it can hold the spends of
    # responses stored after the store's copy, never fewer.
    assert spent_codes(copy, targets[0].token) >= len(coded)
