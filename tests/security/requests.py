"""Build a route's URL, send it as a role, and read what happened.

The store is watched through its own SQLite connection: `pragma
data_version` changes when another connection commits, so a request that
wrote anything is caught without comparing whole dumps.
"""

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from flask import url_for

from survey_app.db import codes_path_for

from .demo_world import SchoolInfo, WorldCopy
from .routes import (
    ALLOWED,
    ERROR,
    FORBIDDEN,
    NOT_FOUND,
    REJECTED,
    SIGN_IN,
    RouteCase,
)


def build_url(world: WorldCopy, case: RouteCase, values: dict) -> str:
    with world.app.test_request_context():
        return url_for(case.endpoint, **values)


def send(world: WorldCopy, case: RouteCase, role: str, url: str, form=None):
    """Send case's request to url as role.

    A POST carries form (default case's form for school A) with a valid
    CSRF token.
    """
    client = world.client(role)
    if case.method == "GET":
        form = None
    else:
        if form is None:
            form = case.form(world, world.info.school_a) if case.form else {}
        form = {**form, "csrf_token": world.csrf_token()}
    # Buffered, so that a file sent by send_file is read whole and closed.
    response = client.open(url, method=case.method, data=form, buffered=True)
    response.close()
    return response


def access_outcome(response) -> str:
    """Classify a response as one of the outcomes in routes.py."""
    status = response.status_code
    if status >= 500:
        return ERROR
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", ""))
        return SIGN_IN if location.path == "/sign-in" else ALLOWED
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status >= 400:
        return REJECTED
    return ALLOWED


@contextmanager
def watch_store(path: Path) -> Iterator[Callable[[], bool]]:
    """Yield a function that returns whether anyone committed to the store since.

    Commits to the access codes file beside the store count too.
    """
    connection = connect_store(path)
    try:
        before = data_versions(connection)

        def changed() -> bool:
            return data_versions(connection) != before

        yield changed
    finally:
        connection.close()


def connect_store(path: Path) -> sqlite3.Connection:
    """Open the store with its access codes file attached, as the app does."""
    connection = sqlite3.connect(path)
    connection.execute("attach database ? as codes", (str(codes_path_for(path)),))
    return connection


def data_versions(connection: sqlite3.Connection) -> tuple[int, int]:
    return (
        connection.execute("pragma main.data_version").fetchone()[0],
        connection.execute("pragma codes.data_version").fetchone()[0],
    )


# Rows that belong to one school, as (table, query for its rows).
SCHOOL_ROWS = (
    ("schools", "select * from schools where school_id = :school"),
    ("survey_windows", "select * from survey_windows where school_id = :school"),
    (
        "survey_links",
        "select l.* from survey_links l join survey_windows w using (window_id) "
        "where w.school_id = :school",
    ),
    (
        "access_code_batches",
        "select b.* from access_code_batches b join survey_links l using (link_id) "
        "join survey_windows w using (window_id) where w.school_id = :school",
    ),
    (
        "access_codes",
        "select c.* from access_codes c join survey_links l using (link_id) "
        "join survey_windows w using (window_id) where w.school_id = :school",
    ),
    (
        "responses",
        "select r.response_seq, r.response_id from responses r "
        "join survey_windows w using (window_id) where w.school_id = :school",
    ),
    ("self_reviews", "select * from self_reviews where school_id = :school"),
    (
        "self_review_ratings",
        "select t.* from self_review_ratings t join self_reviews s "
        "using (self_review_id) where s.school_id = :school",
    ),
    (
        "self_review_components",
        "select t.* from self_review_components t join self_reviews s "
        "using (self_review_id) where s.school_id = :school",
    ),
    (
        "self_review_changes",
        "select t.* from self_review_changes t join self_reviews s "
        "using (self_review_id) where s.school_id = :school",
    ),
    ("next_steps", "select * from next_steps where school_id = :school"),
    ("users", "select * from users where school_id = :school"),
)


def school_fingerprint(path: Path, school_id: int) -> dict[str, str]:
    """Return a hash of each table's rows that belong to the school."""
    connection = connect_store(path)
    try:
        fingerprint = {}
        for table, query in SCHOOL_ROWS:
            rows = connection.execute(
                f"{query} order by 1, 2", {"school": school_id}
            ).fetchall()
            fingerprint[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return fingerprint
    finally:
        connection.close()


def markers(school: SchoolInfo) -> list[str]:
    """Return text that only pages about this school contain: its name and tokens."""
    return [school.name, *school.tokens]


def leaked_markers(response, school: SchoolInfo) -> list[str]:
    body = response.get_data(as_text=False)
    return [marker for marker in markers(school) if marker.encode() in body]
