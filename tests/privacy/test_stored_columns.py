"""No stored column contains a respondent's address, browser, query string or
a time finer than a date.

The operational store's respondent tables, and every warehouse table or
view with a row per response (a response_seq or response_id column), in
raw.duckdb and the published build, are checked by name and type. The store
file is also searched for what a real submission's request carried.
"""

import re
import sqlite3

import duckdb
import pytest
from security.respondent import Respondent

from survey_app.db import codes_path_for

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

# Tables of the store with a row per respondent, response or access code.
RESPONDENT_TABLES = ("responses", "answers", "access_codes", "import_responses")
# Column names that would hold who answered, from where, or with what.
IDENTIFYING_NAME = re.compile(
    r"(?i)(^|_)(ip|ip_address|address|remote|host|user_agent|agent|browser|device|"
    r"referr?er|query|query_string|url|cookie|session|email|name|phone|"
    r"location|latitude|longitude)(_|$)"
)
# Anywhere in the store, even in staff tables, these names have no place.
NEVER_STORED = re.compile(
    r"(?i)(^|_)(ip|ip_address|remote_addr|user_agent|referr?er|query_string|cookie)"
    r"(_|$)"
)
TIME_TYPES = re.compile(r"(?i)datetime|timestamp|^time")
DATE_ONLY_COLUMNS = {"submitted_on"}


def store_columns(path) -> dict[str, list[tuple[str, str]]]:
    """Return the columns of every table in the store and its access codes file."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("attach database ? as codes", (str(codes_path_for(path)),))
        columns = {}
        for schema in ("main", "codes"):
            tables = [
                row[0]
                for row in connection.execute(
                    f"select name from {schema}.sqlite_master where type = 'table'"  # noqa: S608
                )
            ]
            for table in tables:
                columns[table] = [
                    (row[1], row[2])
                    for row in connection.execute(
                        f'pragma {schema}.table_info("{table}")'
                    )
                ]
        return columns
    finally:
        connection.close()


def warehouse_columns(path) -> dict[str, list[tuple[str, str]]]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        rows = connection.execute(
            "select table_schema || '.' || table_name, column_name, data_type "
            "from information_schema.columns order by ordinal_position"
        ).fetchall()
    finally:
        connection.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def response_grain(columns) -> bool:
    names = {name for name, _ in columns}
    return bool(names & {"response_seq", "response_id"})


def test_respondent_tables_hold_no_identifying_columns(world):
    tables = store_columns(world.store_path)

    for table in RESPONDENT_TABLES:
        assert table in tables
        for name, column_type in tables[table]:
            assert not IDENTIFYING_NAME.search(name), f"{table}.{name}"
            assert not TIME_TYPES.search(column_type), f"{table}.{name}"
            if "DATE" in column_type.upper():
                assert name in DATE_ONLY_COLUMNS, f"{table}.{name}"


def test_store_holds_no_request_columns(world):
    for table, columns in store_columns(world.store_path).items():
        for name, _ in columns:
            assert not NEVER_STORED.search(name), f"{table}.{name}"


def test_response_dates_are_dates(world):
    connection = sqlite3.connect(world.store_path)
    try:
        lengths = connection.execute(
            "select distinct length(submitted_on) from responses"
        ).fetchall()
        kinds = connection.execute(
            "select distinct typeof(submitted_on) from responses"
        ).fetchall()
    finally:
        connection.close()

    assert lengths == [(10,)]
    assert kinds == [("text",)]


def test_access_codes_store_nothing_of_a_response(world):
    columns = dict(store_columns(world.store_path)["access_codes"])

    assert set(columns) == {"code_hash", "link_id", "batch_id", "is_spent"}


@pytest.mark.parametrize("file_name", ["raw.duckdb", "published.duckdb"])
def test_warehouse_response_rows_have_no_time(world_template, file_name):
    path = world_template / "var" / "warehouse" / file_name
    tables = warehouse_columns(path)
    checked = [table for table, columns in tables.items() if response_grain(columns)]

    assert "raw.responses" in checked
    for table in checked:
        for name, data_type in tables[table]:
            assert not TIME_TYPES.search(data_type), f"{table}.{name} {data_type}"
            assert not IDENTIFYING_NAME.search(name), f"{table}.{name}"
    for table, columns in tables.items():
        for name, _ in columns:
            assert not NEVER_STORED.search(name), f"{table}.{name}"


class QueryClient:
    """A Flask test client that adds a query string to every request."""

    def __init__(self, client, query: str):
        self.client = client
        self.query = query

    def get(self, path, **kwargs):
        return self.client.get(f"{path}?{self.query}", **kwargs)

    def post(self, path, **kwargs):
        return self.client.post(f"{path}?{self.query}", **kwargs)


def test_store_file_keeps_nothing_of_the_request(world):
    """The bytes of the store, its WAL included, never contain what a real
    submission's request carried besides the answers."""
    client = world.app.test_client()
    client.environ_base.update(
        HTTP_USER_AGENT="StoreProbe/2.0 (store-agent-9921)",
        REMOTE_ADDR="198.51.100.23",
        HTTP_REFERER="https://referrer.example/letter-home",
    )
    query_client = QueryClient(client, "from=store-query-4410")
    respondent = Respondent(query_client, world.info.school_a.parent_token)
    sent = respondent.submit()

    stored = b"".join(
        path.read_bytes()
        for path in world.var_dir.glob("imhars*.sqlite*")
        if path.is_file()
    )
    world.reset()

    assert sent.status_code == 303
    markers = ("store-agent-9921", "198.51.100.23", "referrer.example", "store-query")
    for marker in markers:
        assert marker.encode() not in stored, marker
