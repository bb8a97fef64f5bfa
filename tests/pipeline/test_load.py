"""The load from the SQLite store into raw.duckdb."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pyarrow as pa
import pytest
from sqlalchemy import delete, insert, update

from pipeline import load as load_module
from pipeline.load import LoadError, load_raw
from survey_app.models import Answer, Response, School, SchoolRoll, SurveyWindow

from .conftest import add_responses, create_survey, query_raw, raw_state


def test_load_twice_adds_no_duplicates(settings, session, survey):
    add_responses(session, survey, 12)

    first = load_raw(settings.database_url, settings.raw_path)
    second = load_raw(settings.database_url, settings.raw_path)

    assert first.new_responses == 12
    assert second.new_responses == 0
    assert second.new_answers == 0
    assert raw_state(settings)["responses"] == 12
    duplicates = query_raw(
        settings,
        "select count(*) from (select response_seq, question_id from raw.answers "
        "group by all having count(*) > 1)",
    )
    assert duplicates == [(0,)]


def test_load_picks_only_new_responses(settings, session, survey):
    first_seqs = add_responses(session, survey, 5)
    load_raw(settings.database_url, settings.raw_path)
    new_seqs = add_responses(session, survey, 3)

    result = load_raw(settings.database_url, settings.raw_path)

    assert result.new_responses == 3
    assert result.last_response_seq == max(new_seqs)
    assert result.total_responses == 8
    loaded = query_raw(settings, "select response_seq from raw.responses order by 1")
    assert [seq for (seq,) in loaded] == first_seqs + new_seqs
    answers_per_response = query_raw(
        settings,
        "select count(distinct n) from "
        "(select count(*) as n from raw.answers group by response_seq)",
    )
    assert answers_per_response == [(1,)]


def test_load_copies_answers_exactly(settings, session, survey):
    seqs = add_responses(session, survey, 4)

    load_raw(settings.database_url, settings.raw_path)

    stored = sorted(
        (answer.response_seq, answer.question_id, answer.value, answer.is_dont_know)
        for seq in seqs
        for answer in session.get(Response, seq).answers
    )
    loaded = query_raw(
        settings,
        "select response_seq, question_id, value, is_dont_know from raw.answers "
        "order by all",
    )
    assert loaded == stored


@pytest.mark.parametrize(
    ("table", "column", "expected_type"),
    [
        ("responses", "response_seq", "BIGINT"),
        ("responses", "submitted_on", "DATE"),
        ("responses", "is_too_fast", "BOOLEAN"),
        ("responses", "link_id", "INTEGER"),
        ("answers", "is_dont_know", "BOOLEAN"),
        ("schools", "is_demo", "BOOLEAN"),
        ("schools", "created_at", "TIMESTAMP WITH TIME ZONE"),
        ("survey_windows", "opens_on", "DATE"),
        ("survey_links", "kiosk", "BOOLEAN"),
        ("load_state", "loaded_at", "TIMESTAMP WITH TIME ZONE"),
    ],
)
def test_load_sets_raw_column_types(
    settings, session, survey, table, column, expected_type
):
    add_responses(session, survey, 1)

    load_raw(settings.database_url, settings.raw_path)

    types = query_raw(
        settings,
        "select data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? and column_name = ?",
        (table, column),
    )
    assert types == [(expected_type,)]


def test_load_reads_timestamps_as_utc(settings, session, survey):
    school = session.get(School, 1)

    load_raw(settings.database_url, settings.raw_path)

    loaded = query_raw(settings, "select created_at from raw.schools")[0][0]
    assert loaded == school.created_at


def test_load_replaces_reference_tables(settings, session, survey):
    load_raw(settings.database_url, settings.raw_path)
    session.execute(update(School).values(name="Brook Primary Academy"))
    session.commit()
    create_survey(session, name="Elm Park Primary")

    load_raw(settings.database_url, settings.raw_path)

    names = query_raw(settings, "select name from raw.schools order by school_id")
    assert names == [("Brook Primary Academy",), ("Elm Park Primary",)]
    windows = query_raw(settings, "select count(*) from raw.survey_windows")
    assert windows == [(2,)]


def test_load_keeps_access_code_counts_only(settings, session, survey):
    create_survey(session, name="Elm Park Primary", with_codes=False)

    load_raw(settings.database_url, settings.raw_path)

    counts = query_raw(settings, "select * from raw.access_code_counts order by 1")
    assert counts == [(1, 5, 2), (2, 0, 0)]
    columns = query_raw(
        settings,
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and column_name in ('code_hash', 'token')",
    )
    assert columns == []


PLANTED_ROWS = {
    # Fails the check of appended rows at the end of the transaction.
    "answers": "insert into raw_store.raw.answers values (?, 'pri-P1.1-a', 1, false)",
    # Fails raw.responses' primary key while the responses are inserted.
    "responses": "insert into raw_store.raw.responses "
    "values (?, 'planted', 1, 1, 'pupil_primary', '2024.1', '2024-11-04', 4, "
    "false, 'survey')",
}


@pytest.mark.parametrize(
    ("table", "message"),
    [("answers", "rows above the watermark"), ("responses", "rolled back")],
)
def test_load_failure_leaves_raw_unchanged(settings, session, survey, table, message):
    add_responses(session, survey, 3)
    load_raw(settings.database_url, settings.raw_path)
    new_seqs = add_responses(session, survey, 4)
    # A row where the load will append the last new response: what a tool
    # run against raw.duckdb, or a bug, could leave behind.
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{settings.raw_path}' as raw_store")
        connection.execute(PLANTED_ROWS[table], [new_seqs[-1]])
    before = raw_state(settings)

    with pytest.raises(LoadError, match=message):
        load_raw(settings.database_url, settings.raw_path)

    assert raw_state(settings) == before
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{settings.raw_path}' as raw_store")
        connection.execute(
            f"delete from raw_store.raw.{table} where response_seq = ?",
            [new_seqs[-1]],
        )
    result = load_raw(settings.database_url, settings.raw_path)
    assert result.new_responses == 4
    assert raw_state(settings)["responses"] == 7
    assert raw_state(settings)["answers"] == 7 * 21
    assert raw_state(settings)["watermark"] == new_seqs[-1]


def test_load_removes_responses_deleted_from_store(settings, session, survey):
    seqs = add_responses(session, survey, 6)
    load_raw(settings.database_url, settings.raw_path)
    # What a retention command does: delete a window's responses.
    session.execute(delete(Answer).where(Answer.response_seq.in_(seqs[:2])))
    session.execute(delete(Response).where(Response.response_seq.in_(seqs[:2])))
    session.commit()

    result = load_raw(settings.database_url, settings.raw_path)

    assert result.deleted_responses == 2
    assert result.total_responses == 4
    orphans = query_raw(
        settings,
        "select count(*) from raw.answers where response_seq in (?, ?)",
        seqs[:2],
    )
    assert orphans == [(0,)]


def test_load_keeps_watermark_when_newest_responses_deleted(settings, session, survey):
    seqs = add_responses(session, survey, 3)
    load_raw(settings.database_url, settings.raw_path)
    session.execute(delete(Response).where(Response.response_seq == seqs[-1]))
    session.commit()

    result = load_raw(settings.database_url, settings.raw_path)
    new_seqs = add_responses(session, survey, 1)
    after = load_raw(settings.database_url, settings.raw_path)

    assert result.last_response_seq == seqs[-1]
    assert new_seqs[0] > seqs[-1]
    assert after.new_responses == 1
    assert after.total_responses == 3


def test_load_removes_deleted_and_adds_new_together(settings, session, survey):
    seqs = add_responses(session, survey, 5)
    load_raw(settings.database_url, settings.raw_path)
    session.execute(delete(Response).where(Response.response_seq.in_(seqs[1:3])))
    session.commit()
    new_seqs = add_responses(session, survey, 3)

    result = load_raw(settings.database_url, settings.raw_path)

    assert result.deleted_responses == 2
    assert result.new_responses == 3
    assert result.total_responses == 6
    loaded = query_raw(settings, "select response_seq from raw.responses order by 1")
    assert [seq for (seq,) in loaded] == [seqs[0], *seqs[3:], *new_seqs]


def test_load_compacts_only_after_deletions(settings, session, survey, monkeypatch):
    compacted = []
    compact = load_module._compact

    def record_compact(raw_path):
        compacted.append(raw_path)
        compact(raw_path)

    monkeypatch.setattr(load_module, "_compact", record_compact)
    seqs = add_responses(session, survey, 4)
    load_raw(settings.database_url, settings.raw_path)
    add_responses(session, survey, 2)
    load_raw(settings.database_url, settings.raw_path)
    assert compacted == []

    session.execute(delete(Response).where(Response.response_seq == seqs[0]))
    session.commit()
    result = load_raw(settings.database_url, settings.raw_path)

    assert result.deleted_responses == 1
    assert compacted == [settings.raw_path]


def _raw_rows(raw_path, sql: str) -> list[tuple]:
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{raw_path}' as raw_store (read_only)")
        connection.execute("use raw_store")
        return connection.execute(sql).fetchall()


def test_load_in_batches_equals_one_batch(
    settings, session, survey, tmp_path, monkeypatch
):
    add_responses(session, survey, 7)
    whole_path = tmp_path / "whole" / "raw.duckdb"
    load_raw(settings.database_url, whole_path)
    batches = []
    insert = load_module._insert

    def record_batches(table, reader):
        for batch in reader:
            batches.append(table)
            yield batch

    def count_batches(warehouse, table, incoming):
        if isinstance(incoming, pa.RecordBatchReader):
            incoming = pa.RecordBatchReader.from_batches(
                incoming.schema, record_batches(table, incoming)
            )
        return insert(warehouse, table, incoming)

    monkeypatch.setattr(load_module, "_insert", count_batches)
    monkeypatch.setattr(load_module, "STREAM_BATCH_ROWS", 2)
    batched_path = tmp_path / "batched" / "raw.duckdb"

    result = load_raw(settings.database_url, batched_path)

    assert result.new_responses == 7
    assert result.new_answers == 7 * 21
    # 7 responses in batches of 2 rows, and 147 answers in batches of 2.
    assert batches.count("responses") == 4
    assert batches.count("answers") == 74
    for table in ("responses", "answers"):
        sql = f"select * from raw.{table} order by all"
        assert _raw_rows(batched_path, sql) == _raw_rows(whole_path, sql)
    watermark = "select last_response_seq from raw.load_state"
    assert _raw_rows(batched_path, watermark) == _raw_rows(whole_path, watermark)


def test_load_replaces_only_changed_tables(settings, session, survey, monkeypatch):
    replaced = []
    replace_changed_tables = load_module._replace_changed_tables

    def record_replaced(warehouse, incoming):
        tables = replace_changed_tables(warehouse, incoming)
        replaced.append(tables)
        return tables

    monkeypatch.setattr(load_module, "_replace_changed_tables", record_replaced)
    load_raw(settings.database_url, settings.raw_path)
    # Nothing changed, and the comparison takes the null schools.urn as equal.
    load_raw(settings.database_url, settings.raw_path)
    session.execute(update(School).values(name="Brook Primary Academy"))
    session.execute(delete(SchoolRoll))
    session.commit()

    load_raw(settings.database_url, settings.raw_path)

    assert "schools" in replaced[0]
    assert "self_reviews" not in replaced[0]
    assert replaced[1] == []
    assert replaced[2] == ["schools", "school_rolls"]
    names = query_raw(settings, "select name from raw.schools")
    assert names == [("Brook Primary Academy",)]
    rolls = query_raw(settings, "select count(*) from raw.school_rolls")
    assert rolls == [(0,)]


def test_load_rejects_store_behind_watermark(settings, session, survey):
    add_responses(session, survey, 2)
    load_raw(settings.database_url, settings.raw_path)
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{settings.raw_path}' as raw_store")
        connection.execute("update raw_store.raw.load_state set last_response_seq = 99")

    with pytest.raises(LoadError, match="watermark 99"):
        load_raw(settings.database_url, settings.raw_path)


def test_load_reloads_everything_after_schema_change(settings, session, survey):
    add_responses(session, survey, 2)
    load_raw(settings.database_url, settings.raw_path)
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{settings.raw_path}' as raw_store")
        connection.execute("update raw_store.raw.load_state set schema_version = 0")

    result = load_raw(settings.database_url, settings.raw_path)

    assert result.new_responses == 2
    assert raw_state(settings)["responses"] == 2


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("postgresql://localhost/imhars", "not a SQLite file"),
        ("sqlite://", "not a SQLite file"),
        ("not a url", "not a database URL"),
    ],
)
def test_load_rejects_other_database_urls(tmp_path, database_url, message):
    with pytest.raises(LoadError, match=message):
        load_raw(database_url, tmp_path / "raw.duckdb")


def test_load_rejects_missing_store(tmp_path):
    missing = tmp_path / "missing.sqlite"

    with pytest.raises(LoadError, match="does not exist"):
        load_raw(f"sqlite:///{missing}", tmp_path / "raw.duckdb")

    assert not missing.exists()


def _add_many_responses(session, link, count: int) -> None:
    """Insert count responses with 20 answers each in bulk."""
    window = session.get(SurveyWindow, link.window_id)
    seqs = (
        session.execute(
            insert(Response).returning(Response.response_seq),
            [
                {
                    "response_id": f"00000000-0000-4000-8000-{number:012d}",
                    "window_id": window.window_id,
                    "link_id": link.link_id,
                    "stakeholder_group": link.stakeholder_group,
                    "bank_version": window.bank_version,
                    "submitted_on": window.opens_on,
                    "is_too_fast": False,
                }
                for number in range(count)
            ],
        )
        .scalars()
        .all()
    )
    session.execute(
        insert(Answer),
        [
            {"response_seq": seq, "question_id": f"q{item}", "value": 2}
            for seq in seqs
            for item in range(20)
        ],
    )
    session.commit()


KILL_SCRIPT = """
import sys
from pathlib import Path

from pipeline.load import load_raw

print("ready", flush=True)
load_raw(sys.argv[1], Path(sys.argv[2]))
"""
MANY = 5_000


@pytest.mark.slow
@pytest.mark.parametrize("delay_seconds", [0, 0.3, 0.6, 1, 3])
def test_load_killed_midway_leaves_raw_consistent(
    settings, session, survey, delay_seconds
):
    """SIGKILL at several moments of a load leaves raw as before or as after."""
    add_responses(session, survey, 2)
    load_raw(settings.database_url, settings.raw_path)
    _add_many_responses(session, survey, MANY)
    before = raw_state(settings)

    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILL_SCRIPT,
            settings.database_url,
            str(settings.raw_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    with process.stdout:
        assert process.stdout.readline() == "ready\n"
    time.sleep(delay_seconds)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    loaded = {
        **before,
        "responses": before["responses"] + MANY,
        "answers": before["answers"] + MANY * 20,
        "watermark": before["watermark"] + MANY,
    }
    assert raw_state(settings) in (before, loaded)
    result = load_raw(settings.database_url, settings.raw_path)
    assert result.total_responses == MANY + 2
    assert raw_state(settings) == loaded


def test_load_reports_raw_open_elsewhere(settings, session, survey):
    load_raw(settings.database_url, settings.raw_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); sys.stdin.readline()",
            str(settings.raw_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with holder.stdin, holder.stdout:
        assert holder.stdout.readline() == "open\n"

        with pytest.raises(LoadError, match="close any other program"):
            load_raw(settings.database_url, settings.raw_path)

    assert holder.wait(timeout=30) == 0
