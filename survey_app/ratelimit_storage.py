"""Rate limit counts in a small SQLite file that every server process shares.

The counts of the limits library's memory storage live in one process, so
with several gunicorn workers each worker would allow the whole limit. This
storage keeps them in ratelimits.sqlite in the app's VAR_DIR instead. The
file is found through current_app on every call, because one Limiter serves
every app made in a process (the test suite makes many). Keys are stored as
SHA-256 digests, so the file contains no client address or email, and rows are
deleted once their window has passed.
"""

import hashlib
import sqlite3
import time
from pathlib import Path

from flask import current_app
from limits.storage import Storage

FILE_NAME = "ratelimits.sqlite"
URI = "imhars-var://"
# How long a process waits for another one's write before failing.
BUSY_TIMEOUT_SECONDS = 10
SCHEMA = """
create table if not exists counters (
    key_digest text primary key,
    count integer not null,
    expires_at real not null
) without rowid
"""


class VarDirStorage(Storage):
    """Fixed-window counters in VAR_DIR/ratelimits.sqlite."""

    STORAGE_SCHEME = ["imhars-var"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        digest = _digest(key)
        with _Counters() as connection:
            connection.execute("begin immediate")
            connection.execute("delete from counters where expires_at <= ?", (now,))
            row = connection.execute(
                "select count from counters where key_digest = ?", (digest,)
            ).fetchone()
            if row is None:
                count = amount
                connection.execute(
                    "insert into counters values (?, ?, ?)",
                    (digest, count, now + expiry),
                )
            else:
                count = row[0] + amount
                connection.execute(
                    "update counters set count = ? where key_digest = ?",
                    (count, digest),
                )
            connection.execute("commit")
        return count

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else row[1]

    def check(self) -> bool:
        with _Counters() as connection:
            connection.execute("select 1").fetchone()
        return True

    def reset(self) -> int | None:
        with _Counters() as connection:
            return connection.execute("delete from counters").rowcount

    def clear(self, key: str) -> None:
        with _Counters() as connection:
            connection.execute(
                "delete from counters where key_digest = ?", (_digest(key),)
            )

    def _row(self, key: str) -> tuple[int, float] | None:
        with _Counters() as connection:
            return connection.execute(
                "select count, expires_at from counters "
                "where key_digest = ? and expires_at > ?",
                (_digest(key), time.time()),
            ).fetchone()


class _Counters:
    """A connection to the current app's counters file, closed on exit."""

    def __enter__(self) -> sqlite3.Connection:
        path = Path(current_app.config["VAR_DIR"]) / FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit, so that incr's explicit BEGIN IMMEDIATE is the only
        # transaction it runs.
        self.connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
        self.connection.execute(SCHEMA)
        return self.connection

    def __exit__(self, *exc_info) -> None:
        if self.connection.in_transaction:
            self.connection.execute("rollback")
        self.connection.close()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
