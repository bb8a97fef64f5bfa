"""A three-school, two-year raw warehouse with hand-picked answers, and its build.

Hilltop (primary), Riverside (secondary) and Meadow (primary) survey parents,
staff and governors in 2023/24 and 2024/25. Question bank test.1 (2023/24)
and test.2 (2024/25) each ask every group three questions on a 5-point
scale. test.2 replaces the P1.2 question by a reworded one with a new id, so
the change of C1 compares 1 of its 3 questions, C2 (one question in both
banks) compares all, and P1.2 compares none.

- Parents: 12, 15 and 11 respondents, every school shown. On the compared
  question P1.1 parents answer higher in 2024/25, while the reworded P1.2
  question scores lower, so the published C1 scores hardly move although
  the compared change is large. C2 answers are the same both years.
- Staff: Meadow has 6 respondents, below the threshold of 10. The others
  are shown, so the all-schools figure minus theirs would give Meadow's:
  the borough staff figures are hidden.
- Governors: 7, 8 and 6 respondents, each school hidden; together 21
  respondents in 3 schools, so the borough figure is shown and includes
  every school.

Each phase filter leaves fewer than 3 schools, so every phase figure is
hidden.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.dbt.raw_warehouse import RawWarehouse

REPOSITORY = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPOSITORY / "dbt_project"

THRESHOLD = 10
PREVIOUS_YEAR = "2023/24"
YEAR = "2024/25"
BANK_VERSIONS = {PREVIOUS_YEAR: "test.1", YEAR: "test.2"}
PREFIXES = {"parent": "par", "staff": "stf", "governor": "gov"}
GROUP_TITLES = {"parent": "Parents", "staff": "Staff", "governor": "Governors"}

HILLTOP, RIVERSIDE, MEADOW = 1, 2, 3
SCHOOLS = {
    HILLTOP: ("Hilltop Primary", "primary"),
    RIVERSIDE: ("Riverside Academy", "secondary"),
    MEADOW: ("Meadow Primary", "primary"),
}
PARENT_ROLLS = {HILLTOP: 100, RIVERSIDE: 150, MEADOW: 110}


def question_ids(group: str, year: str) -> tuple[str, str, str]:
    """Return the group's questions of P1.1, P1.2 and P2.1 in the year's bank."""
    prefix = PREFIXES[group]
    letter = "a" if year == PREVIOUS_YEAR else "b"
    return (f"{prefix}-P1.1-a", f"{prefix}-P1.2-{letter}", f"{prefix}-P2.1-a")


def bank(year: str) -> dict:
    """Return the year's question bank, laid out like reference/question_banks."""
    return {
        "version": BANK_VERSIONS[year],
        "framework_version": 1,
        "scales": {
            "agreement_5": {
                "points": 5,
                "labels": ["1", "2", "3", "4", "5"],
                "positive_from": 4,
                "dont_know_label": "Don’t know",
            }
        },
        "groups": [
            {
                "group_id": group,
                "title": GROUP_TITLES[group],
                "scale": "agreement_5",
                "questions": [
                    {
                        "question_id": question_id,
                        "practice_id": question_id.split("-")[1],
                        "text": question_id,
                    }
                    for question_id in question_ids(group, year)
                ],
            }
            for group in PREFIXES
        ],
    }


def _cycle(values: tuple[int, ...], count: int, offset: int) -> list[int]:
    return [values[(index + offset) % len(values)] for index in range(count)]


@dataclass(frozen=True)
class GroupAnswers:
    """Each respondent's answers (P1.1, P1.2, P2.1) of one school, year and group."""

    school_id: int
    year: str
    group: str
    answers: list[tuple[int, int, int]]


# Respondents per school and group, the same in both years.
RESPONDENTS = {
    "parent": {HILLTOP: 12, RIVERSIDE: 15, MEADOW: 11},
    "staff": {HILLTOP: 12, RIVERSIDE: 15, MEADOW: 6},
    "governor": {HILLTOP: 7, RIVERSIDE: 8, MEADOW: 6},
}
# Answer values cycled through per year and question; each school starts at
# its own offset so that schools differ.
PATTERNS = {
    ("parent", PREVIOUS_YEAR): ((2, 3, 2, 3, 1), (4, 5, 4, 4), (3, 4, 2, 5)),
    ("parent", YEAR): ((4, 5, 4, 3, 5), (2, 1, 2, 3), (3, 4, 2, 5)),
    ("staff", PREVIOUS_YEAR): ((3, 4, 2), (4, 3), (2, 3, 4)),
    ("staff", YEAR): ((4, 4, 3), (3, 4), (3, 3, 4)),
    ("governor", PREVIOUS_YEAR): ((3, 4, 5), (4, 4, 3), (2, 4)),
    ("governor", YEAR): ((4, 5, 5), (3, 4, 4), (3, 4)),
}


def group_answers() -> list[GroupAnswers]:
    """Return every school's answers, for the warehouse and the expected figures."""
    rows = []
    for (group, year), patterns in PATTERNS.items():
        for school_id, count in RESPONDENTS[group].items():
            columns = [_cycle(pattern, count, offset=school_id) for pattern in patterns]
            rows.append(
                GroupAnswers(school_id, year, group, list(zip(*columns, strict=True)))
            )
    return rows


def fill_warehouse(warehouse: RawWarehouse) -> None:
    """Insert the framework, both banks, the schools and every response."""
    warehouse.add_framework()
    for year in BANK_VERSIONS:
        warehouse.add_bank(bank(year))
    for school_id, (name, phase) in SCHOOLS.items():
        warehouse.add_school(school_id, name, phase)

    window_ids = {}
    for year in BANK_VERSIONS:
        for school_id in SCHOOLS:
            window_id = len(window_ids) + 1
            window_ids[school_id, year] = window_id
            warehouse.add_window(window_id, school_id, year, BANK_VERSIONS[year])
            for group in PREFIXES:
                roll = PARENT_ROLLS[school_id] if group == "parent" else None
                warehouse.add_link(window_id, group, number_on_roll=roll)

    for rows in group_answers():
        window_id = window_ids[rows.school_id, rows.year]
        questions = question_ids(rows.group, rows.year)
        for values in rows.answers:
            warehouse.add_response(
                window_id, rows.group, dict(zip(questions, values, strict=True))
            )


def build_warehouse(path: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """Write the raw warehouse to path and run dbt build on it."""
    warehouse = RawWarehouse(path)
    fill_warehouse(warehouse)
    warehouse.close()
    return run_dbt(path, work_dir, "build")


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
            "--no-use-colors",
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
