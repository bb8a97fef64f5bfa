"""Copy the operational store (SQLite) into raw.duckdb, schema raw.

Responses and answers are appended by response_seq above the watermark in
raw.load_state. Every other table (REPLACED_TABLES in raw_schema) is
replaced whole when its rows changed. Every change of a run, watermark
included, is committed in one DuckDB transaction: a crash at any point
leaves raw.duckdb as the previous run committed it, and the next run loads
the same rows again.

SQLite is read through adbc_driver_sqlite as Arrow. Responses and answers
stream into DuckDB batch by batch inside that transaction, so the load's
memory does not grow with the number of new rows.
"""

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import adbc_driver_sqlite
import adbc_driver_sqlite.dbapi
import duckdb
import pyarrow as pa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from survey_app.db import codes_path_for

from .crash import crash_point
from .errors import PipelineError
from .raw_schema import (
    RAW_DDL,
    RAW_SCHEMA_VERSION,
    REPLACED_TABLES,
    SOURCE_QUERIES,
    cast_expression,
)

logger = logging.getLogger(__name__)

# Read each replaced table in one Arrow batch, so that the driver infers
# column types from every row (see INCREMENTAL_TABLES in raw_schema).
SINGLE_BATCH_ROWS = 100_000_000
# Rows per Arrow batch that responses and answers stream in. DuckDB inserts
# each batch as it arrives, so the load's memory grows with this and not with
# the number of new rows: a full load of 31 million answers peaked at 0.4 GB
# RSS (DuckDB 1.4.5, /usr/bin/time on a shared 2-core machine).
STREAM_BATCH_ROWS = 65_536


class LoadError(PipelineError):
    step = "load"


@dataclass(frozen=True)
class LoadResult:
    """Counts of the rows one load changed in raw.duckdb."""

    new_responses: int
    new_answers: int
    deleted_responses: int
    last_response_seq: int
    total_responses: int


@dataclass(frozen=True)
class _Snapshot:
    """Values read from SQLite before the load writes to raw.duckdb."""

    last_response_seq: int
    # The store's response_seq up to the watermark, read only when the store
    # and raw count different responses up to it. None otherwise.
    stored_response_seqs: pa.Table | None


def sqlite_path_from_url(database_url: str) -> Path:
    """Return the file of a sqlite:/// URL, or raise LoadError for any other URL."""
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise LoadError(
            f"IMHARS_DATABASE_URL {database_url!r} is not a database URL",
            "set it to sqlite:///PATH, the same value the app uses",
        ) from error
    if url.get_backend_name() != "sqlite" or not url.database:
        raise LoadError(
            f"IMHARS_DATABASE_URL {url.render_as_string(True)!r} is not a SQLite "
            "file, and the load reads only SQLite",
            "set it to sqlite:///PATH, the same value the app uses",
        )
    return Path(url.database)


def load_raw(database_url: str, raw_path: Path) -> LoadResult:
    """Append new responses and replace reference tables in raw_path."""
    sqlite_path = sqlite_path_from_url(database_url)
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(":memory:") as warehouse:
        # Opened directly, raw.duckdb would be a catalog named raw, which makes
        # the schema name raw ambiguous; attached under another name it is not.
        _attach_raw(warehouse, raw_path)
        warehouse.execute("use raw_store")
        warehouse.execute("set TimeZone = 'UTC'")
        _prepare_raw_schema(warehouse)
        watermark = _read_watermark(warehouse)
        with _open_store(sqlite_path) as store:
            snapshot = _read_snapshot(store, warehouse, watermark)
            if snapshot.stored_response_seqs is not None:
                _compaction_marker(raw_path).touch()
            result = _write(warehouse, store, snapshot, watermark)
        # Fold the write-ahead log into the file, so that copying raw.duckdb
        # alone copies everything committed.
        # TODO: a checkpoint after new responses rewrites raw.responses' primary
        # key index, which grows with every loaded response. With 1,000,000
        # loaded, adding 2,000 took 0.1-0.2 s to checkpoint, against 0.02-0.07 s
        # for a copy of the table without the key (DuckDB 1.4.5, shared 2-core
        # machine), so an increment still costs more than its rows.
        warehouse.execute("checkpoint raw_store")
        warehouse.execute("use memory")
        warehouse.execute("detach raw_store")
    if _compaction_marker(raw_path).exists():
        _compact(raw_path)

    logger.info(
        "loaded %d new responses and %d answers, removed %d, up to response_seq %d",
        result.new_responses,
        result.new_answers,
        result.deleted_responses,
        result.last_response_seq,
    )
    return result


def _compaction_marker(raw_path: Path) -> Path:
    return raw_path.with_name(raw_path.name + ".compact-pending")


def _compact(raw_path: Path) -> None:
    """Rewrite raw.duckdb into a new file that contains no deleted rows.

    DuckDB marks deleted rows and keeps their bytes in the file, and every
    build and published file starts as a byte copy of raw.duckdb. A load
    that deletes responses first leaves a marker file, which goes once the
    rewrite is in place, so a run killed in between rewrites at its next load.
    """
    compacted = raw_path.with_name(raw_path.name + ".compacting")
    compacted.unlink(missing_ok=True)
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach {sql_string(raw_path)} as raw_store (read_only)")
        connection.execute(f"attach {sql_string(compacted)} as compacted")
        connection.execute("copy from database raw_store to compacted")
        connection.execute("detach compacted")
        connection.execute("detach raw_store")
    with open(compacted, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(compacted, raw_path)
    _compaction_marker(raw_path).unlink()
    logger.info("rewrote %s without the deleted responses", raw_path)


def _attach_raw(warehouse: duckdb.DuckDBPyConnection, raw_path: Path) -> None:
    try:
        warehouse.execute(f"attach {sql_string(raw_path)} as raw_store")
    except duckdb.IOException as error:
        if "Could not set lock" in str(error):
            next_action = (
                "close any other program that has raw.duckdb open (a DuckDB "
                "shell, a notebook), then run the pipeline again"
            )
        else:
            next_action = (
                f"make {raw_path.parent} writable and give it free space, then "
                "run the pipeline again"
            )
        raise LoadError(f"opening {raw_path} failed: {error}", next_action) from error


def sql_string(path: Path) -> str:
    """Quote a path as a SQL string literal, for statements without parameters."""
    return "'" + str(path).replace("'", "''") + "'"


def _prepare_raw_schema(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, or recreate them when RAW_SCHEMA_VERSION changed."""
    stored_version = _stored_schema_version(warehouse)
    if stored_version == RAW_SCHEMA_VERSION:
        return

    if stored_version is not None:
        logger.warning(
            "raw schema version %d differs from %d: reloading every response",
            stored_version,
            RAW_SCHEMA_VERSION,
        )
    warehouse.begin()
    warehouse.execute("drop schema if exists raw cascade")
    warehouse.execute(RAW_DDL)
    warehouse.execute(
        "insert into raw.load_state values (0, now(), ?)", [RAW_SCHEMA_VERSION]
    )
    warehouse.commit()


def _stored_schema_version(warehouse: duckdb.DuckDBPyConnection) -> int | None:
    exists = warehouse.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'raw' and table_name = 'load_state'"
    ).fetchone()[0]
    if not exists:
        return None
    row = warehouse.execute("select schema_version from raw.load_state").fetchone()
    return row[0] if row else None


def _read_watermark(warehouse: duckdb.DuckDBPyConnection) -> int:
    rows = warehouse.execute("select last_response_seq from raw.load_state").fetchall()
    if len(rows) != 1:
        raise LoadError(
            f"raw.load_state has {len(rows)} rows instead of one",
            "delete var/warehouse/raw.duckdb; the next run reloads everything",
        )
    return rows[0][0]


@contextmanager
def _open_store(sqlite_path: Path):
    """Open the store read-only, and raise LoadError for any failed read.

    Without autocommit, every query on the connection reads one snapshot
    until the load ends the read transaction with rollback().
    """
    if not sqlite_path.is_file():
        raise LoadError(
            f"the operational store {sqlite_path} does not exist",
            "run 'flask --app survey_app db-upgrade', or set IMHARS_DATABASE_URL",
        )

    # Read-only: the pipeline never writes to the store through this connection.
    connection = adbc_driver_sqlite.dbapi.connect(f"file:{sqlite_path}?mode=ro")
    try:
        _attach_codes_file(connection, sqlite_path)
        yield connection
    except adbc_driver_sqlite.dbapi.Error as error:
        raise LoadError(
            f"reading {sqlite_path} failed: {error}",
            "check that the app's migrations have run (flask --app survey_app "
            "db-upgrade) and that the file is readable",
        ) from error
    finally:
        connection.close()


def _attach_codes_file(connection, sqlite_path: Path) -> None:
    """Attach the store's access codes file read-only as schema codes.

    Runs before the first read, because SQLite cannot attach a file inside
    the read transaction.
    """
    cursor = connection.cursor()
    try:
        cursor.execute(
            "attach database ? as codes",
            (f"file:{codes_path_for(sqlite_path)}?mode=ro",),
        )
    finally:
        cursor.close()


def _read_snapshot(
    store, warehouse: duckdb.DuckDBPyConnection, watermark: int
) -> _Snapshot:
    """Read the store's last response_seq, and its loaded seqs if counts differ."""
    last_seq = _fetch_value(store, "select max(response_seq) from responses")
    # AUTOINCREMENT records the highest response_seq ever issued, deleted
    # responses included, in sqlite_sequence.
    issued_seq = _fetch_value(
        store, "select seq from sqlite_sequence where name = 'responses'"
    )
    if (issued_seq or 0) < watermark:
        raise LoadError(
            f"the store has issued response_seq up to {issued_seq or 0}, below the "
            f"warehouse watermark {watermark}, so raw.duckdb was loaded from "
            "another store",
            "check IMHARS_DATABASE_URL; if it is right, delete "
            "var/warehouse/raw.duckdb so the next run reloads everything",
        )

    stored_seqs = None
    if _count_stored(store, watermark) != _count_loaded(warehouse, watermark):
        stored_seqs = _fetch(
            store,
            "select response_seq from responses where response_seq <= ?",
            (watermark,),
        )
    return _Snapshot(max(last_seq or 0, watermark), stored_seqs)


def _count_stored(store, watermark: int) -> int:
    """Count the store's responses with response_seq up to the watermark.

    The store never adds a response at or below the watermark, because
    AUTOINCREMENT issues each response_seq above every earlier one and a load
    reads only committed rows. So while raw is as loads left it, the store's
    seqs up to the watermark are a subset of raw's, and equal counts mean that
    no loaded response was deleted.
    The count is all rows (SQLite scans its smallest index) less the new rows
    (a range of the primary key), so no query reads every loaded row's page.
    """
    total = _fetch_value(store, "select count(*) from responses")
    new = _fetch_value(
        store, "select count(*) from responses where response_seq > ?", (watermark,)
    )
    return total - new


def _count_loaded(warehouse: duckdb.DuckDBPyConnection, watermark: int) -> int:
    return warehouse.execute(
        "select count(*) from raw.responses where response_seq <= ?", [watermark]
    ).fetchone()[0]


def _fetch_value(connection, sql: str, parameters=()):
    """Return the first value of a query's first row, or None without rows."""
    table = _fetch(connection, sql, parameters)
    if table.num_rows == 0:
        return None
    return table.column(0)[0].as_py()


def _fetch(connection, sql: str, parameters=(), single_batch=False) -> pa.Table:
    cursor = connection.cursor()
    try:
        if single_batch:
            _set_batch_rows(cursor, SINGLE_BATCH_ROWS)
        cursor.execute(sql, parameters)
        return cursor.fetch_arrow_table()
    finally:
        cursor.close()


def _set_batch_rows(cursor, rows: int) -> None:
    cursor.adbc_statement.set_options(
        **{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(rows)}
    )


def _fetch_replaced_tables(store) -> dict[str, pa.Table]:
    return {
        table: _fetch(store, _select_sql(table), single_batch=True)
        for table in REPLACED_TABLES
    }


@cache
def _raw_column_types() -> dict[str, list[tuple[str, str]]]:
    """Return the (name, DuckDB type) columns of each raw table, as RAW_DDL sets."""
    with duckdb.connect(":memory:") as scratch:
        scratch.execute(RAW_DDL)
        rows = scratch.execute(
            "select table_name, column_name, data_type "
            "from information_schema.columns where table_schema = 'raw' "
            "order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table_name, column, data_type in rows:
        columns.setdefault(table_name, []).append((column, data_type))
    return columns


def _raw_columns(table: str) -> list[tuple[str, str]]:
    return _raw_column_types()[table]


def _select_sql(table: str) -> str:
    """Return the SQLite query for the columns that raw.<table> keeps."""
    if table in SOURCE_QUERIES:
        return SOURCE_QUERIES[table]
    columns = ", ".join(f'"{name}"' for name, _ in _raw_columns(table))
    return f"select {columns} from {table}"  # noqa: S608 - names from RAW_DDL


def _insert(
    warehouse: duckdb.DuckDBPyConnection,
    table: str,
    incoming: pa.Table | pa.RecordBatchReader,
) -> int:
    """Insert Arrow rows into raw.<table> and return the number inserted.

    DuckDB reads a RecordBatchReader one batch at a time, and only once.
    """
    view = f"incoming_{table}"
    warehouse.register(view, incoming)
    try:
        return _insert_from_view(warehouse, table, view)
    finally:
        warehouse.unregister(view)


def _insert_from_view(
    warehouse: duckdb.DuckDBPyConnection, table: str, view: str
) -> int:
    """Insert a registered view's rows into raw.<table>, cast to its column types."""
    names = ", ".join(f'"{name}"' for name, _ in _raw_columns(table))
    # Every name in this statement comes from RAW_DDL, none from data.
    insert_sql = f"insert into raw.{table} ({names}) {_cast_select(table, view)}"  # noqa: S608
    return warehouse.execute(insert_sql).fetchone()[0]


def _cast_select(table: str, view: str) -> str:
    """Return a select of the view's columns cast to the types of raw.<table>."""
    casts = ", ".join(
        cast_expression(name, data_type) for name, data_type in _raw_columns(table)
    )
    return f"select {casts} from {view}"  # noqa: S608 - names from RAW_DDL


def _stream_new_rows(
    warehouse: duckdb.DuckDBPyConnection, store, table: str, seq_range: tuple[int, int]
) -> int:
    """Insert the store's rows of table in a response_seq range, batch by batch."""
    cursor = store.cursor()
    try:
        _set_batch_rows(cursor, STREAM_BATCH_ROWS)
        cursor.execute(
            _select_sql(table) + " where response_seq > ? and response_seq <= ?",
            seq_range,
        )
        return _insert(warehouse, table, cursor.fetch_record_batch())
    finally:
        cursor.close()


def _replace_changed_tables(
    warehouse: duckdb.DuckDBPyConnection, incoming: dict[str, pa.Table]
) -> list[str]:
    """Replace each raw table whose rows differ from incoming, and return those.

    An unchanged table is left alone, so that it costs no write and no
    checkpoint. One query compares every table, because each DuckDB statement
    costs milliseconds however small its tables are.
    """
    views = {table: f"incoming_{table}" for table in REPLACED_TABLES}
    for table, view in views.items():
        warehouse.register(view, incoming[table])
    try:
        comparisons = " union all ".join(
            _count_common_rows_sql(table, view) for table, view in views.items()
        )
        counts = {
            table: (stored, common)
            for table, stored, common in warehouse.execute(comparisons).fetchall()
        }
        # The multiset of incoming rows equals raw's when both tables and their
        # distinct common rows (intersect) have the same count, because then
        # neither side has a duplicate or a row that the other lacks.
        replaced = [
            table
            for table in REPLACED_TABLES
            if counts[table] != (incoming[table].num_rows, incoming[table].num_rows)
        ]
        for table in replaced:
            warehouse.execute(f"delete from raw.{table}")  # noqa: S608
            if incoming[table].num_rows:
                _insert_from_view(warehouse, table, views[table])
    finally:
        for view in views.values():
            warehouse.unregister(view)
    return replaced


def _count_common_rows_sql(table: str, view: str) -> str:
    """Return a query of the table's name, its raw row count and rows shared with view.

    Intersect compares whole rows, null equal to null, and counts each
    distinct row once. In a load of 1,000,000 responses and 24,000 links, the
    comparison took 0.06 s with intersect and 0.2-0.4 s with except all
    (DuckDB 1.4.5).
    """
    columns = ", ".join(f'"{name}"' for name, _ in _raw_columns(table))
    incoming_sql = _cast_select(table, view)
    stored_sql = f"select {columns} from raw.{table}"  # noqa: S608
    return (
        f"select '{table}', (select count(*) from raw.{table}), "  # noqa: S608
        f"(select count(*) from ({incoming_sql} intersect {stored_sql}))"
    )


def _write(
    warehouse: duckdb.DuckDBPyConnection,
    store,
    snapshot: _Snapshot,
    watermark: int,
) -> LoadResult:
    """Copy the store's new rows into raw in one transaction, watermark included."""
    seq_range = (watermark, snapshot.last_response_seq)
    warehouse.begin()
    try:
        deleted = _drop_deleted_responses(
            warehouse, snapshot.stored_response_seqs, watermark
        )
        new_responses = _stream_new_rows(warehouse, store, "responses", seq_range)
        new_answers = _stream_new_rows(warehouse, store, "answers", seq_range)
        replaced_tables = _fetch_replaced_tables(store)
        # End the read transaction before the writes that need no more reads,
        # so that the store and the access codes file (see REPLACED_TABLES)
        # stay in a read transaction no longer than the reads need.
        store.rollback()
        _replace_changed_tables(warehouse, replaced_tables)
        _check_appended_rows(warehouse, watermark, new_responses, new_answers)
        warehouse.execute(
            "update raw.load_state set last_response_seq = ?, loaded_at = now()",
            [snapshot.last_response_seq],
        )
        total = warehouse.execute("select count(*) from raw.responses").fetchone()[0]
        crash_point("load")
        warehouse.commit()
    except duckdb.Error as error:
        _rollback(warehouse)
        raise LoadError(
            f"writing raw.duckdb failed and was rolled back: {error}",
            "fix the cause named above and run the pipeline again; raw.duckdb "
            "is as the last successful load left it",
        ) from error
    except BaseException:
        _rollback(warehouse)
        raise

    return LoadResult(
        new_responses=new_responses,
        new_answers=new_answers,
        deleted_responses=deleted,
        last_response_seq=snapshot.last_response_seq,
        total_responses=total,
    )


def _rollback(warehouse: duckdb.DuckDBPyConnection) -> None:
    """Roll back the load's transaction, unless a failed commit already ended it.

    A commit that cannot write the WAL (a full or read-only disk) ends the
    transaction itself, and rolling back again would hide that error.
    """
    try:
        warehouse.rollback()
    except duckdb.TransactionException:
        logger.info("the failed commit already ended the load's transaction")


def _check_appended_rows(
    warehouse: duckdb.DuckDBPyConnection,
    watermark: int,
    new_responses: int,
    new_answers: int,
) -> None:
    """Raise LoadError unless raw holds above the watermark only what was appended.

    Rows above the watermark before this load would be duplicates or rows no
    committed load wrote, for example from a tool run against raw.duckdb.
    """
    for table, appended in (("responses", new_responses), ("answers", new_answers)):
        found = warehouse.execute(
            f"select count(*) from raw.{table} where response_seq > ?",  # noqa: S608
            [watermark],
        ).fetchone()[0]
        if found != appended:
            raise LoadError(
                f"raw.{table} has {found} rows above the watermark {watermark} "
                f"after this load appended {appended}, so it held rows that no "
                "load committed",
                "delete var/warehouse/raw.duckdb; the next run reloads every "
                "response from the store",
            )


def _drop_deleted_responses(
    warehouse: duckdb.DuckDBPyConnection,
    stored_response_seqs: pa.Table | None,
    watermark: int,
) -> int:
    """Delete raw responses, and their answers, that the store no longer has.

    Responses already loaded (response_seq up to the watermark) but missing
    from SQLite were deleted there, for example by the retention command, so
    they leave the warehouse too. response_seq is never reused, so a deleted
    response cannot come back under the same number. stored_response_seqs is
    None when the counts showed that nothing was deleted.
    """
    if stored_response_seqs is None:
        return 0
    warehouse.register("stored_response_seqs", stored_response_seqs)
    try:
        warehouse.execute(
            "create temporary table deleted_response_seqs as "
            "select response_seq from raw.responses "
            "anti join stored_response_seqs using (response_seq) "
            "where response_seq <= ?",
            [watermark],
        )
    finally:
        warehouse.unregister("stored_response_seqs")
    try:
        deleted = warehouse.execute(
            "select count(*) from deleted_response_seqs"
        ).fetchone()[0]
        if deleted:
            warehouse.execute(
                "delete from raw.answers where response_seq in "
                "(select response_seq from deleted_response_seqs)"
            )
            warehouse.execute(
                "delete from raw.responses where response_seq in "
                "(select response_seq from deleted_response_seqs)"
            )
            logger.info("removed %d responses deleted from the store", deleted)
    finally:
        warehouse.execute("drop table deleted_response_seqs")
    return deleted
