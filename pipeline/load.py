"""Copy the operational store (SQLite) into raw.duckdb, schema raw.

Responses and answers are appended by response_seq above the watermark in
raw.load_state. Every other table (REPLACED_TABLES in raw_schema) is
replaced whole. Every change of a run, watermark included, is committed in
one DuckDB transaction: a crash at any point leaves raw.duckdb as the
previous run committed it, and the next run loads the same rows again.

SQLite is read through adbc_driver_sqlite, which returns Arrow tables that
DuckDB inserts in bulk.
"""

import logging
import os
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
class _Extract:
    """Everything read from SQLite for one load, from one read transaction."""

    last_response_seq: int
    responses: pa.Table
    answers: pa.Table
    stored_response_seqs: pa.Table
    replaced_tables: dict[str, pa.Table]


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
        extract = _extract(sqlite_path, watermark)
        if _deletes_responses(warehouse, extract, watermark):
            _compaction_marker(raw_path).touch()
        result = _write(warehouse, extract, watermark)
        # Fold the write-ahead log into the file, so that copying raw.duckdb
        # alone copies everything committed.
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


def _deletes_responses(
    warehouse: duckdb.DuckDBPyConnection, extract: _Extract, watermark: int
) -> bool:
    """Return whether raw has loaded responses that the store no longer has."""
    loaded = warehouse.execute(
        "select count(*) from raw.responses where response_seq <= ?", [watermark]
    ).fetchone()[0]
    return loaded > extract.stored_response_seqs.num_rows


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


def _extract(sqlite_path: Path, watermark: int) -> _Extract:
    """Read new responses, their answers and the replaced tables from SQLite."""
    if not sqlite_path.is_file():
        raise LoadError(
            f"the operational store {sqlite_path} does not exist",
            "run 'flask --app survey_app db-upgrade', or set IMHARS_DATABASE_URL",
        )

    # Read-only: the pipeline never writes to the store through this
    # connection. Without autocommit, every query below reads one snapshot.
    connection = adbc_driver_sqlite.dbapi.connect(f"file:{sqlite_path}?mode=ro")
    try:
        _attach_codes_file(connection, sqlite_path)
        return _extract_snapshot(connection, watermark)
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


def _extract_snapshot(connection, watermark: int) -> _Extract:
    last_seq = _fetch_value(connection, "select max(response_seq) from responses")
    # AUTOINCREMENT records the highest response_seq ever issued, deleted
    # responses included, in sqlite_sequence.
    issued_seq = _fetch_value(
        connection, "select seq from sqlite_sequence where name = 'responses'"
    )
    if (issued_seq or 0) < watermark:
        raise LoadError(
            f"the store has issued response_seq up to {issued_seq or 0}, below the "
            f"warehouse watermark {watermark}, so raw.duckdb was loaded from "
            "another store",
            "check IMHARS_DATABASE_URL; if it is right, delete "
            "var/warehouse/raw.duckdb so the next run reloads everything",
        )

    last_seq = max(last_seq or 0, watermark)
    seq_range = (watermark, last_seq)
    responses = _fetch(
        connection,
        _select_sql("responses") + " where response_seq > ? and response_seq <= ?",
        seq_range,
    )
    answers = _fetch(
        connection,
        _select_sql("answers") + " where response_seq > ? and response_seq <= ?",
        seq_range,
    )
    stored_seqs = _fetch(
        connection,
        "select response_seq from responses where response_seq <= ?",
        (watermark,),
    )
    replaced = {
        table: _fetch(connection, _select_sql(table), single_batch=True)
        for table in REPLACED_TABLES
    }
    return _Extract(last_seq, responses, answers, stored_seqs, replaced)


def _fetch_value(connection, sql: str):
    """Return the first value of a query's first row, or None without rows."""
    table = _fetch(connection, sql)
    if table.num_rows == 0:
        return None
    return table.column(0)[0].as_py()


def _fetch(connection, sql: str, parameters=(), single_batch=False) -> pa.Table:
    cursor = connection.cursor()
    try:
        if single_batch:
            cursor.adbc_statement.set_options(
                **{
                    adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(
                        SINGLE_BATCH_ROWS
                    )
                }
            )
        cursor.execute(sql, parameters)
        return cursor.fetch_arrow_table()
    finally:
        cursor.close()


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
    warehouse: duckdb.DuckDBPyConnection, table: str, incoming: pa.Table
) -> int:
    """Insert an Arrow table into raw.<table>, casting each column to its type."""
    if incoming.num_rows == 0:
        return 0

    columns = _raw_columns(table)
    names = ", ".join(f'"{name}"' for name, _ in columns)
    casts = ", ".join(cast_expression(name, data_type) for name, data_type in columns)
    view = f"incoming_{table}"
    # Every name in this statement comes from RAW_DDL, none from data.
    insert_sql = f"insert into raw.{table} ({names}) select {casts} from {view}"  # noqa: S608
    warehouse.register(view, incoming)
    try:
        warehouse.execute(insert_sql)
    finally:
        warehouse.unregister(view)
    return incoming.num_rows


def _write(
    warehouse: duckdb.DuckDBPyConnection, extract: _Extract, watermark: int
) -> LoadResult:
    """Apply an extract to raw in one transaction, watermark included."""
    warehouse.begin()
    try:
        deleted = _drop_deleted_responses(
            warehouse, extract.stored_response_seqs, watermark
        )
        new_responses = _insert(warehouse, "responses", extract.responses)
        new_answers = _insert(warehouse, "answers", extract.answers)
        for table in REPLACED_TABLES:
            warehouse.execute(f"delete from raw.{table}")  # noqa: S608
            _insert(warehouse, table, extract.replaced_tables[table])
        _check_appended_rows(warehouse, watermark, new_responses, new_answers)
        warehouse.execute(
            "update raw.load_state set last_response_seq = ?, loaded_at = now()",
            [extract.last_response_seq],
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
        last_response_seq=extract.last_response_seq,
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
    stored_response_seqs: pa.Table,
    watermark: int,
) -> int:
    """Delete raw responses, and their answers, that the store no longer has.

    Responses already loaded (response_seq up to the watermark) but missing
    from SQLite were deleted there, for example by the retention command, so
    they leave the warehouse too. response_seq is never reused, so a deleted
    response cannot come back under the same number.
    """
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
