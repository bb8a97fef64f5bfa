"""The raw DDL against the operational store's models."""

import duckdb
import pytest

from pipeline.raw_schema import (
    EXCLUDED_SOURCE_COLUMNS,
    INCREMENTAL_TABLES,
    RAW_DDL,
    REPLACED_TABLES,
    SOURCE_QUERIES,
)
from survey_app.models import Base


def _raw_columns() -> dict[str, dict[str, tuple[str, bool]]]:
    with duckdb.connect(":memory:") as connection:
        connection.execute(RAW_DDL)
        rows = connection.execute(
            "select table_name, column_name, data_type, is_nullable = 'YES' "
            "from information_schema.columns where table_schema = 'raw'"
        ).fetchall()
    columns: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, data_type, nullable in rows:
        columns.setdefault(table, {})[column] = (data_type, nullable)
    return columns


@pytest.mark.parametrize("table", INCREMENTAL_TABLES)
def test_incremental_tables_have_integer_nullable_columns(table):
    nullable_types = {
        data_type for data_type, nullable in _raw_columns()[table].values() if nullable
    }

    assert nullable_types <= {"INTEGER", "BIGINT"}


@pytest.mark.parametrize(
    "table",
    [
        table
        for table in REPLACED_TABLES + INCREMENTAL_TABLES
        if table not in SOURCE_QUERIES
    ],
)
def test_raw_table_copies_every_store_column(table):
    model_columns = Base.metadata.tables[table].columns
    expected = {
        column.name: column.nullable
        for column in model_columns
        if (table, column.name) not in EXCLUDED_SOURCE_COLUMNS
    }

    raw = _raw_columns()[table]

    assert set(raw) == set(expected)
    assert {name: nullable for name, (_, nullable) in raw.items()} == expected
