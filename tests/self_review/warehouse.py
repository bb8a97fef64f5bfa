"""Build a raw warehouse with self-review rows, and run dbt on it.

RawWarehouse (tests/dbt/raw_warehouse.py) creates every raw table from the
pipeline's RAW_DDL; this module adds rows to the self-review ones.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from tests.dbt.raw_warehouse import RawWarehouse

REPOSITORY = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPOSITORY / "dbt_project"
BANK_PATH = REPOSITORY / "reference" / "question_banks" / "2024.1.yml"


class SelfReviewWarehouse(RawWarehouse):
    """A raw warehouse that also fills the self-review tables of RAW_DDL."""

    def __init__(self, path: Path):
        super().__init__(path)
        self._last_self_review_id = 0

    def add_self_review(
        self,
        school_id: int,
        academic_year: str,
        levels: dict[str, int | None],
        version_number: int = 1,
        status: str = "submitted",
    ) -> int:
        """Insert a self-review version; levels maps practice ids to 0..3.

        Practices missing from levels are stored unrated.
        """
        self._last_self_review_id += 1
        self_review_id = self._last_self_review_id
        self.con.execute(
            "insert into raw.self_reviews values (?, ?, ?, ?, 1, ?, ?)",
            [
                self_review_id,
                school_id,
                academic_year,
                version_number,
                status,
                "2025-03-01 10:00:00+00" if status == "submitted" else None,
            ],
        )
        for practice_id, component_id in practice_components().items():
            self.con.execute(
                "insert into raw.self_review_ratings values (?, ?, ?, ?)",
                [self_review_id, practice_id, component_id, levels.get(practice_id)],
            )
        return self_review_id

    def close(self) -> None:
        """Date each response in its window, as the app does, then close."""
        self.con.execute(
            """
            update raw.responses
            set submitted_on = survey_windows.opens_on
            from raw.survey_windows
            where responses.window_id = survey_windows.window_id
            """
        )
        super().close()

    def add_next_step(
        self,
        next_step_id: int,
        school_id: int,
        academic_year: str,
        target_id: str,
        stakeholder_group: str,
    ) -> None:
        """Insert a next step that targets a component (C2) or practice (P2.2)."""
        practices = practice_components()
        if target_id in practices:
            component_id, practice_id = practices[target_id], target_id
        else:
            component_id, practice_id = target_id, None
        self.con.execute(
            "insert into raw.next_steps values (?, ?, ?, 1, ?, ?, ?)",
            [
                next_step_id,
                school_id,
                academic_year,
                component_id,
                practice_id,
                stakeholder_group,
            ],
        )


def practice_components() -> dict[str, str]:
    """Map each practice id of the framework to its component id."""
    framework = yaml.safe_load((REPOSITORY / "reference" / "framework.yml").read_text())
    return {
        practice["practice_id"]: component["component_id"]
        for component in framework["components"]
        for practice in component["practices"]
    }


def load_bank() -> dict:
    return yaml.safe_load(BANK_PATH.read_text())


def question_ids(bank: dict, group: str) -> dict[str, list[str]]:
    """Map each practice id to its questions for one group of a bank."""
    questions: dict[str, list[str]] = {}
    for bank_group in bank["groups"]:
        if bank_group["group_id"] != group:
            continue
        for question in bank_group["questions"]:
            questions.setdefault(question["practice_id"], []).append(
                question["question_id"]
            )
    return questions


def run_dbt(
    database: Path, work_dir: Path, *arguments: str
) -> subprocess.CompletedProcess:
    """Run dbt on database with its own target and log folders under work_dir."""
    environment = {
        **os.environ,
        "IMHARS_DBT_DATABASE": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *arguments,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def fetch_dicts(database: Path, sql: str, parameters=()) -> list[dict]:
    """Run a query on a built warehouse and return its rows as dicts."""
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(sql, list(parameters))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
