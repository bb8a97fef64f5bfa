"""Suite definitions, and the mart columns they read against the dbt project."""

from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.suites import all_suites
from expectations.suites.base import Suite

MARTS_DIR = Path(__file__).parents[2] / "dbt_project" / "models" / "marts"

# Columns that WarehouseFacts reads from the framework marts.
FACT_COLUMNS = {
    "components": {"component_id"},
    "practices": {"practice_id", "component_id"},
    "settings": {"disclosure_threshold"},
}


def _declared_mart_columns() -> dict[str, set[str]]:
    """Return each mart model's columns as declared in the dbt project's YAML."""
    declared = {}
    for path in MARTS_DIR.rglob("*.yml"):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            pytest.fail(f"{path} is not valid YAML: {error}")
        for model in document.get("models", []):
            declared[model["name"]] = {
                column["name"] for column in model.get("columns", [])
            }
    return declared


def _mart_suites() -> list[Suite]:
    return [suite for suite in all_suites() if suite.layer == "marts"]


def test_suite_names_follow_convention():
    names = [suite.name for suite in all_suites()]

    assert len(names) == len(set(names))
    for suite in all_suites():
        layer, asset, severity = suite.name.split(".")
        assert layer in ("raw", "marts"), suite.name
        assert severity in ("critical", "warning"), suite.name
        assert suite.description, suite.name
        if suite.table is not None:
            assert suite.table == f"{layer}.{asset}", suite.name


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "marts.scores"}, "invalid suite name 'marts.scores'"),
        ({"name": "marts.scores.fatal"}, "invalid suite name 'marts.scores.fatal'"),
        ({"name": "gold.scores.critical"}, "invalid suite name"),
        ({"name": "marts.scores.critical"}, "needs either a table or a query"),
        (
            {"name": "marts.scores.critical", "table": "marts.scores"},
            "reads a table: list its columns",
        ),
        (
            {
                "name": "marts.scores.critical",
                "table": "marts.scores",
                "columns": ("score",),
                "query": "select 1",
            },
            "needs either a table or a query",
        ),
    ],
)
def test_suite_definition_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        Suite(build=lambda facts: [], row_key=(), **arguments)


def test_mart_suites_read_declared_columns():
    declared = _declared_mart_columns()

    for suite in _mart_suites():
        model = suite.table.split(".")[1]
        assert model in declared, f"{model} is not declared in {MARTS_DIR}"
        unknown = set(suite.columns) - declared[model]
        assert not unknown, f"{suite.name} reads columns dbt does not declare"


def test_facts_read_declared_columns():
    declared = _declared_mart_columns()

    for model, columns in FACT_COLUMNS.items():
        assert columns <= declared[model], model


def test_test_warehouse_marts_match_dbt(make_warehouse):
    """The marts of the test warehouse have the dbt models' columns."""
    declared = _declared_mart_columns()
    database = make_warehouse()

    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'marts'"
        ).fetchall()
    built: dict[str, set[str]] = {}
    for table, column in rows:
        built.setdefault(table, set()).add(column)

    for table in ("settings", "component_indicators", "practice_indicators"):
        assert built[table] == declared[table], table
    assert built["response_counts"] == declared["response_counts"]
    for table in ("components", "practices"):
        assert FACT_COLUMNS[table] <= built[table], table
