"""Exports carry no figure that the published marts do not show.

The differencing attack reads the marts. A borough user can also download
every table of the borough dashboard as CSV, for every year, group and
phase, and every school's results tables for every year. Each respondent
figure in those files must be a figure that some mart publishes
unsuppressed, so the attack on the marts covers the exports too.
A row the export marks as suppressed must have no respondent figures.
"""

import csv
import io
from bisect import bisect_left
from collections import defaultdict

import duckdb
import pytest

from survey_app.views.borough import EXPORTS
from survey_app.views.results import EXPORT_COLUMNS

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

PHASES = ["all", "primary", "secondary", "all_through", "special"]
# Exported figures are rounded; a value within this of a published one is it.
TOLERANCE = 0.051
# Export columns named differently from the mart columns they copy.
MART_COLUMN = {"name": "school_name"}


def published_values(path) -> dict[str, list[float]]:
    """Return every unsuppressed numeric value of the marts, by column name."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and data_type in "
            "('BIGINT', 'INTEGER', 'DOUBLE', 'HUGEINT', 'DECIMAL(18,4)')"
        ).fetchall()
        tables = defaultdict(list)
        for table, column in columns:
            tables[table].append(column)
        values: dict[str, set] = defaultdict(set)
        for table, names in tables.items():
            has_flag = connection.execute(
                "select count(*) from information_schema.columns where "
                "table_schema = 'marts' and table_name = ? "
                "and column_name = 'is_suppressed'",
                [table],
            ).fetchone()[0]
            where = "where not is_suppressed" if has_flag else ""
            for name in names:
                query = f'select distinct "{name}" from marts."{table}" {where}'
                for (value,) in connection.execute(query).fetchall():
                    if value is not None:
                        values[name].add(float(value))
        return {name: sorted(found) for name, found in values.items()}
    finally:
        connection.close()


def is_published(value: float, published: list[float]) -> bool:
    position = bisect_left(published, value - TOLERANCE)
    return position < len(published) and published[position] <= value + TOLERANCE


@pytest.fixture(scope="module")
def filters(world_template):
    path = world_template / "var" / "warehouse" / "published.duckdb"
    connection = duckdb.connect(str(path), read_only=True)
    try:
        years = [
            row[0]
            for row in connection.execute(
                "select distinct academic_year from marts.borough_indicators"
            ).fetchall()
        ]
        groups = [
            row[0]
            for row in connection.execute(
                "select distinct stakeholder_group from marts.borough_indicators"
            ).fetchall()
        ]
    finally:
        connection.close()
    return sorted(years), sorted(groups)


@pytest.mark.parametrize("table", sorted(EXPORTS))
def test_export_figures_are_published(world, world_template, filters, table):
    published = published_values(
        world_template / "var" / "warehouse" / "published.duckdb"
    )
    columns = {column.label: column for column in EXPORTS[table][0]}
    client = world.client("borough")
    years, groups = filters
    checked = 0

    for year in years:
        for group in groups:
            for phase in PHASES:
                response = client.get(
                    f"/borough/export/{table}.csv",
                    query_string={"year": year, "group": group, "phase": phase},
                )
                assert response.status_code == 200, (year, group, phase)
                text = response.get_data(as_text=True).lstrip("\ufeff")
                for row in csv.DictReader(io.StringIO(text)):
                    checked += check_row(row, columns, published)

    assert checked > 0


@pytest.mark.parametrize("table", sorted(EXPORT_COLUMNS))
def test_school_export_figures_are_published(world, world_template, table):
    path = world_template / "var" / "warehouse" / "published.duckdb"
    published = published_values(path)
    connection = duckdb.connect(str(path), read_only=True)
    try:
        school_years = connection.execute(
            "select distinct school_id, academic_year from marts.survey_windows"
        ).fetchall()
    finally:
        connection.close()
    columns = {column.label: column for column in EXPORT_COLUMNS[table]}
    client = world.client("borough")
    checked = 0

    for school_id, year in school_years:
        response = client.get(
            f"/schools/{school_id}/results/export/{table}.csv",
            query_string={"year": year},
        )
        assert response.status_code == 200, (school_id, year)
        text = response.get_data(as_text=True).lstrip("\ufeff")
        for row in csv.DictReader(io.StringIO(text)):
            checked += check_row(row, columns, published)

    assert checked > 0


def check_row(row: dict, columns: dict, published: dict) -> int:
    """Check one exported row; return how many figures it carried."""
    suppressed = bool(row.get("Note", "").strip())
    figures = 0
    for label, text in row.items():
        column = columns.get(label)
        if column is None or not column.is_numeric or text in ("", None):
            continue
        # The number on roll and the questions asked describe the school and
        # the questionnaire, not respondents, so suppression leaves them.
        if not column.suppressible:
            continue
        if suppressed:
            raise AssertionError(f"suppressed row shows {label} = {text}: {row}")
        name = MART_COLUMN.get(column.name, column.name)
        assert name in published, f"no mart publishes {name}"
        value = float(text)
        assert is_published(value, published[name]), f"{label} = {text}: {row}"
        figures += 1
    return figures
