"""Database engine and sessions for the operational store."""

from pathlib import Path

from flask import current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def create_database_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make sure its folder exists and set pragmas.

    WAL lets readers go on while one writer commits, and synchronous=FULL makes
    each acknowledged commit survive a power cut.
    """
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=_connect_args(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _connect_args(url: str) -> dict:
    if url.startswith("sqlite"):
        # Waiting for the write lock is handled by busy_timeout below.
        return {"timeout": 30}
    return {}


def _set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("pragma journal_mode = wal")
    cursor.execute("pragma synchronous = full")
    cursor.execute("pragma foreign_keys = on")
    cursor.execute("pragma busy_timeout = 30000")
    cursor.close()


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
