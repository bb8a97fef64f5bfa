"""Fixtures that build the dbt project on hand-made raw warehouses.

Each dbt invocation costs a few seconds of start-up, so a test module builds
one warehouse with several schools, one case in each.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from raw_warehouse import RawWarehouse

REPOSITORY = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPOSITORY / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(
    command: str, database: Path, work_dir: Path, *arguments: str
) -> subprocess.CompletedProcess:
    """Run a dbt command on database, with target and log paths under work_dir."""
    environment = {
        **os.environ,
        "IMHARS_DBT_DATABASE": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(  # noqa: S603
        [
            str(DBT),
            command,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
            "--no-use-colors",
            *arguments,
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def build_warehouse(
    path: Path, fill, work_dir: Path, *arguments: str
) -> subprocess.CompletedProcess:
    """Create the raw warehouse at path with fill(RawWarehouse), then dbt build it."""
    warehouse = RawWarehouse(path)
    fill(warehouse)
    warehouse.close()
    return run_dbt("build", path, work_dir, *arguments)


def assert_dbt_succeeded(result: subprocess.CompletedProcess) -> None:
    """Fail with the end of dbt's output when the command did not succeed."""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


class Marts:
    """Read-only queries on a built warehouse."""

    def __init__(self, path: Path):
        self.path = path

    def rows(self, sql: str, parameters: list | None = None) -> list[dict]:
        """Return the query's rows as dicts."""
        with duckdb.connect(str(self.path), read_only=True) as con:
            result = con.execute(sql, parameters or [])
            names = [column[0] for column in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def one(self, sql: str, parameters: list | None = None) -> dict:
        """Return the query's single row."""
        rows = self.rows(sql, parameters)
        assert len(rows) == 1, f"expected one row, got {len(rows)}: {rows}"
        return rows[0]


@pytest.fixture(scope="module")
def dbt_work_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dbt")
