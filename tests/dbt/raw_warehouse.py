"""Build a DuckDB file with the warehouse's raw schema and hand-made rows.

The dbt tests build the project on files made here. The tables come from the
pipeline's RAW_DDL, the one definition of the raw schema that the loader
writes.
"""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import yaml

from pipeline.raw_schema import RAW_DDL, RAW_SCHEMA_VERSION

REPOSITORY = Path(__file__).resolve().parents[2]
FRAMEWORK_PATH = REPOSITORY / "reference" / "framework.yml"

# The value of an answer that is "don't know" in RawWarehouse.add_response.
DONT_KNOW = "dont_know"

LOADED_AT = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema raw with the loader's own DDL, so both always agree."""
    con.execute(RAW_DDL)


class RawWarehouse:
    """A DuckDB file with the raw schema, filled row by row by a test."""

    def __init__(self, path: Path):
        self.path = path
        self.con = duckdb.connect(str(path))
        create_raw_tables(self.con)
        self._windows: dict[int, tuple[str, date]] = {}
        self._links: dict[tuple[int, str], int] = {}
        self._last_response_seq = 0

    def add_framework(self, path: Path = FRAMEWORK_PATH) -> None:
        """Insert a framework version with its components and practices."""
        framework = yaml.safe_load(path.read_text())
        version = framework["version"]
        self._insert(
            "framework_versions",
            [(version, framework["name"], "0" * 64, LOADED_AT)],
        )
        for position, component in enumerate(framework["components"], start=1):
            self._insert(
                "components",
                [(version, component["component_id"], position, component["title"])],
            )
            self._insert(
                "practices",
                [
                    (
                        version,
                        practice["practice_id"],
                        component["component_id"],
                        practice_position,
                        practice["text"],
                    )
                    for practice_position, practice in enumerate(
                        component["practices"], start=1
                    )
                ],
            )

    def add_bank(self, bank: dict) -> None:
        """Insert a question bank version laid out like reference/question_banks."""
        version = bank["version"]
        self._insert(
            "question_bank_versions",
            [(version, bank["framework_version"], "0" * 64, LOADED_AT)],
        )
        for scale_id, scale in bank["scales"].items():
            self._insert(
                "scales",
                [
                    (
                        version,
                        scale_id,
                        scale["points"],
                        scale["positive_from"],
                        json.dumps(scale["labels"]),
                        scale.get("dont_know_label"),
                    )
                ],
            )
        for group in bank["groups"]:
            self._insert(
                "bank_groups",
                [(version, group["group_id"], group["scale"], group["title"])],
            )
            self._insert(
                "questions",
                [
                    (
                        version,
                        question["question_id"],
                        group["group_id"],
                        question["practice_id"],
                        position,
                        question["text"],
                    )
                    for position, question in enumerate(group["questions"], start=1)
                ],
            )

    def add_school(
        self,
        school_id: int,
        name: str,
        phase: str = "secondary",
        rolls: dict[str, int] | None = None,
    ) -> None:
        """Insert a school and, optionally, its number on roll per group."""
        self._insert(
            "schools",
            [(school_id, name, f"{100000 + school_id}", phase, False, LOADED_AT)],
        )
        for group, number_on_roll in (rolls or {}).items():
            self._insert("school_rolls", [(school_id, group, number_on_roll)])

    def add_window(
        self,
        window_id: int,
        school_id: int,
        academic_year: str = "2024/25",
        bank_version: str = "2024.1",
    ) -> None:
        """Insert a survey window open for the spring term of academic_year."""
        start_year = int(academic_year[:4])
        opens_on = date(start_year + 1, 1, 6)
        self._windows[window_id] = (bank_version, opens_on)
        self._insert(
            "survey_windows",
            [
                (
                    window_id,
                    school_id,
                    academic_year,
                    opens_on,
                    date(start_year + 1, 3, 28),
                    bank_version,
                    LOADED_AT,
                )
            ],
        )

    def add_link(
        self,
        window_id: int,
        stakeholder_group: str,
        number_on_roll: int | None = None,
        codes: tuple[int, int] | None = None,
    ) -> int:
        """Insert a survey link and its code counts (zeros for an open link)."""
        link_id = len(self._links) + 1
        self._links[window_id, stakeholder_group] = link_id
        self._insert(
            "survey_links",
            [
                (
                    link_id,
                    window_id,
                    stakeholder_group,
                    "open" if codes is None else "codes",
                    False,
                    number_on_roll,
                )
            ],
        )
        self._insert("access_code_counts", [(link_id, *(codes or (0, 0)))])
        return link_id

    def add_response(
        self,
        window_id: int,
        stakeholder_group: str,
        answers: dict[str, int | str],
        year_group: int | None = None,
        is_too_fast: bool = False,
    ) -> int:
        """Insert a response and its answers, and return its response_seq.

        answers maps a question_id to a scale value or to DONT_KNOW. The response
        is dated the day its window opens.
        """
        self._last_response_seq += 1
        response_seq = self._last_response_seq
        bank_version, opens_on = self._windows[window_id]
        self._insert(
            "responses",
            [
                (
                    response_seq,
                    f"00000000-0000-4000-8000-{response_seq:012d}",
                    window_id,
                    self._links.get((window_id, stakeholder_group)),
                    stakeholder_group,
                    bank_version,
                    opens_on,
                    year_group,
                    is_too_fast,
                    "survey",
                )
            ],
        )
        self._insert(
            "answers",
            [
                (
                    response_seq,
                    question_id,
                    None if value == DONT_KNOW else value,
                    value == DONT_KNOW,
                )
                for question_id, value in answers.items()
            ],
        )
        return response_seq

    def close(self) -> None:
        """Record the load watermark and close the file."""
        self._insert(
            "load_state",
            [(self._last_response_seq, LOADED_AT, RAW_SCHEMA_VERSION)],
        )
        self.con.close()

    def _insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        placeholders = ", ".join("?" for _ in rows[0])
        self.con.executemany(
            f"insert into raw.{table} values ({placeholders})",  # noqa: S608
            rows,
        )
