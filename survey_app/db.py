"""Database engine and sessions for the operational store.

Access codes live in their own SQLite file beside the store (for
var/imhars.sqlite, var/imhars-codes.sqlite), attached to every connection as
schema codes. The store runs in WAL mode, whose log keeps each transaction's
page images until a checkpoint, so a code's spend written in the same log as
its response would link the two. The codes file uses a rollback journal
instead, which is deleted when each transaction commits.
"""

import sqlite3
from pathlib import Path

from flask import current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from .config import ConfigurationError

CODES_SCHEMA = "codes"
CODES_FILE_SUFFIX = "-codes"
BUSY_TIMEOUT_MS = 30000


def create_database_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make sure its folder exists and set pragmas.

    WAL lets readers go on while one writer commits, and synchronous=FULL makes
    each acknowledged commit survive a power cut. Every connection attaches
    the access codes file as schema codes.
    """
    if url.startswith("sqlite"):
        store_path = store_path_from_url(url)
        store_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=_connect_args(url))
    if engine.dialect.name == "sqlite":
        codes_path = codes_path_for(store_path)
        event.listen(
            engine,
            "connect",
            lambda dbapi_connection, record: _set_sqlite_pragmas(
                dbapi_connection, codes_path
            ),
        )
    return engine


def store_path_from_url(url: str) -> Path:
    """Return the file of a sqlite:/// URL, or raise ConfigurationError."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ConfigurationError(
            f"database URL {url!r} is not a SQLite file, and the store needs one "
            "beside its access codes file: set IMHARS_DATABASE_URL to "
            "sqlite:///PATH"
        )
    return Path(parsed.database)


def codes_path_for(store_path: Path) -> Path:
    """Return the access codes file that belongs to a store file.

    var/imhars.sqlite has var/imhars-codes.sqlite.
    """
    return store_path.with_name(store_path.stem + CODES_FILE_SUFFIX + store_path.suffix)


def _connect_args(url: str) -> dict:
    if url.startswith("sqlite"):
        # Waiting for the write lock is handled by busy_timeout below.
        return {"timeout": 30}
    return {}


def _set_sqlite_pragmas(dbapi_connection, codes_path: Path) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("pragma main.journal_mode = wal")
    cursor.execute("pragma main.synchronous = full")
    cursor.execute("pragma foreign_keys = on")
    cursor.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute(f"attach database ? as {CODES_SCHEMA}", (str(codes_path),))
    _set_codes_pragmas(cursor, f"{CODES_SCHEMA}.")
    cursor.close()


def _set_codes_pragmas(cursor, schema_prefix: str) -> None:
    """Keep the codes file in rollback-journal mode, never WAL.

    A committed change then leaves no before and after page images behind,
    secure_delete zeroes freed content, and synchronous=EXTRA also syncs the
    folder after the journal is deleted, so that a commit is durable when
    COMMIT returns.

    NOTE: deleting the journal frees its disk blocks without overwriting
    them, so an image of the raw disk, unlike a copy of the folder, may still
    hold before-images of recently spent codes' pages.
    """
    (mode,) = cursor.execute(f"pragma {schema_prefix}journal_mode = delete").fetchone()
    if mode != "delete":
        raise sqlite3.OperationalError(
            f"the access codes file stayed in journal mode {mode!r}, not 'delete': "
            "stop every process that has it open, then start the app again"
        )
    cursor.execute(f"pragma {schema_prefix}secure_delete = on")
    cursor.execute(f"pragma {schema_prefix}synchronous = extra")


def connect_codes_file(codes_path: Path) -> sqlite3.Connection:
    """Open the access codes file alone, in autocommit mode, for spending codes.

    The caller begins and commits each transaction itself.
    """
    connection = sqlite3.connect(codes_path, timeout=30, isolation_level=None)
    try:
        cursor = connection.cursor()
        cursor.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        _set_codes_pragmas(cursor, "")
        cursor.close()
    except BaseException:
        connection.close()
        raise
    return connection


def init_app(app) -> None:
    """Attach an engine and session factory to the app."""
    engine = create_database_engine(app.config["SQLALCHEMY_DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_db() -> Session:
    """Return this request's database session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def _close_session(exception: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
