"""Read-only access to the published warehouse, var/warehouse/published.duckdb.

The pipeline replaces published.duckdb with os.replace. Each call here stats
the file once, and when its inode or mtime has changed, the caller gets a
cursor on the new file. Cursors already handed out keep reading the old file
until they are closed.

The file is attached to an in-memory DuckDB database rather than opened with
duckdb.connect(path): DuckDB caches one database instance per path within a
process, so connecting to the same path again would return the replaced
file's instance.
"""

import os
import threading
from pathlib import Path
from typing import Any

import duckdb
from flask import current_app

from pipeline.settings import PipelineSettings

# The catalog name dbt's views refer to: the stem of the file dbt built into.
CATALOG = "published"


class WarehouseNotPublishedError(LookupError):
    """No pipeline run has published results yet."""


class PublishedWarehouse:
    """One published.duckdb file, reopened when the pipeline replaces it."""

    def __init__(self, path: Path):
        self.path = path
        self._reopen_lock = threading.Lock()
        # (file identity, connection), replaced as one tuple so that readers
        # need no lock.
        self._state: tuple[tuple[int, int, int], duckdb.DuckDBPyConnection] | None
        self._state = None

    def cursor(self) -> duckdb.DuckDBPyConnection | None:
        """Return a new read-only cursor on the published file, or None if absent.

        The caller closes the cursor. Raises duckdb.Error when the file exists
        but cannot be opened.
        """
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        identity = (status.st_dev, status.st_ino, status.st_mtime_ns)

        state = self._state
        if state is None or state[0] != identity:
            state = self._reopen(identity)
        cursor = state[1].cursor()
        cursor.execute(f"use {CATALOG}")
        return cursor

    def _reopen(self, identity: tuple[int, int, int]):
        with self._reopen_lock:
            state = self._state
            if state is not None and state[0] == identity:
                return state
            # The old connection is dropped, not closed: closing it would
            # break cursors other threads are still reading from. DuckDB
            # closes it once its last cursor is gone.
            self._state = (identity, _open_read_only(self.path))
            current_app.logger.info("opened published warehouse %s", self.path)
            return self._state


def _open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    quoted_path = "'" + str(path).replace("'", "''") + "'"
    connection.execute(f"attach {quoted_path} as {CATALOG} (read_only)")
    # Queries can then read only the attached file: no other files, no
    # further attach. The setting cannot be turned back on.
    connection.execute("set enable_external_access = false")
    return connection


def get_warehouse() -> duckdb.DuckDBPyConnection | None:
    """Return a read-only cursor on published.duckdb, or None before any publish.

    Close the cursor when done (or use it in a with block). Thread-safe.
    """
    warehouse = current_app.extensions.get("published_warehouse")
    if warehouse is None:
        path = PipelineSettings.from_config(current_app.config).published_path
        warehouse = current_app.extensions.setdefault(
            "published_warehouse", PublishedWarehouse(path)
        )
    return warehouse.cursor()


def query(sql: str, parameters: list | dict | None = None) -> list[dict[str, Any]]:
    """Run a query on the published warehouse and return its rows as dicts.

    Pass values as parameters (? or $name), never in the SQL text. Raises
    WarehouseNotPublishedError when no results have been published yet.
    """
    cursor = get_warehouse()
    if cursor is None:
        raise WarehouseNotPublishedError("no results have been published yet")
    with cursor:
        result = cursor.execute(sql, parameters or [])
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def get_publication() -> dict[str, Any] | None:
    """Return the published file's marts.publication row, or None before any.

    Its published_at is the time the results shown were last updated.
    """
    try:
        rows = query("select * from marts.publication")
    except WarehouseNotPublishedError:
        return None
    return rows[0] if rows else None
