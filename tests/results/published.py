"""A hand-made published warehouse with the marts' columns, for page tests.

The real pipeline takes a minute or more to build published.duckdb. Most
results tests need exact, chosen figures instead (a cell of 9, a cell of 0,
another school's distinctive score), so they write the marts directly here.
The columns and types are those of the dbt marts, and the end-to-end tests
in test_results_pipeline.py read pages built from the real pipeline's file.
"""

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPOSITORY / "reference"
BANK_VERSION = "2024.1"
THRESHOLD = 10
PUBLISHED_AT = datetime(2025, 7, 3, 13, 15, tzinfo=UTC)

MARTS_DDL = """
create schema marts;
create table marts.settings (
    disclosure_threshold integer, excluded_quality_flags varchar
);
create table marts.schools (
    school_id integer, school_name varchar, urn varchar, phase varchar,
    is_demo boolean
);
create table marts.components (
    framework_version integer, component_id varchar,
    component_position integer, component_title varchar
);
create table marts.practices (
    framework_version integer, practice_id varchar, component_id varchar,
    component_title varchar, practice_position integer, practice_text varchar
);
create table marts.questions (
    bank_version varchar, question_id varchar, stakeholder_group varchar,
    practice_id varchar, component_id varchar, question_position integer,
    question_text varchar, scale_id varchar, points integer,
    positive_from integer, labels varchar[], dont_know_label varchar
);
create table marts.survey_windows (
    window_id integer, school_id integer, academic_year varchar,
    opens_on date, closes_on date, bank_version varchar,
    framework_version integer
);
create table marts.component_indicators (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, component_id varchar, bank_version varchar,
    n_respondents bigint, score double, ci_lower double, ci_upper double,
    pct_positive double, dont_know_rate double, n_excluded bigint,
    cronbach_alpha double, n_items bigint, is_suppressed boolean,
    suppression_reason varchar
);
create table marts.practice_indicators (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, component_id varchar, practice_id varchar,
    bank_version varchar, n_respondents bigint, score double,
    ci_lower double, ci_upper double, pct_positive double,
    dont_know_rate double, n_excluded bigint, is_suppressed boolean,
    suppression_reason varchar
);
create table marts.response_counts (
    school_id integer, academic_year varchar, stakeholder_group varchar,
    key_stage varchar, n_responses bigint, n_excluded bigint,
    number_on_roll integer, response_rate double, is_suppressed boolean,
    suppression_reason varchar
);
create table marts.publication (
    run_id bigint, published_at timestamptz, n_responses bigint,
    n_responses_loaded bigint, last_response_seq bigint, dbt_version varchar,
    dbt_duckdb_version varchar, gx_version varchar, duckdb_version varchar
);
"""

# Each table's columns, in order, read from the DDL above.
TABLE_COLUMNS = {
    match.group(1): [
        column.split()[0] for column in match.group(2).replace("\n", " ").split(",")
    ]
    for match in re.finditer(r"create table marts\.(\w+) \((.*?)\);", MARTS_DDL, re.S)
}


class PublishedMarts:
    """Collects marts rows, then writes them to a new file and publishes it.

    Rows of suppressed cells keep whatever figures the test gives them,
    unlike the real marts, which blank them: a page must never show them
    either way.
    """

    def __init__(self, published_path: Path):
        self.published_path = published_path
        self.rows: dict[str, list[dict]] = {table: [] for table in TABLE_COLUMNS}
        self.rows["settings"].append(
            {
                "disclosure_threshold": THRESHOLD,
                "excluded_quality_flags": "straight_lining,too_fast,too_few_answers",
            }
        )
        self._add_framework()
        self._add_questions()

    def add_school(self, school_id: int, name: str, phase: str) -> None:
        self.rows["schools"].append(
            {
                "school_id": school_id,
                "school_name": name,
                "urn": None,
                "phase": phase,
                "is_demo": False,
            }
        )

    def add_window(self, school_id: int, academic_year: str) -> None:
        start = int(academic_year[:4])
        self.rows["survey_windows"].append(
            {
                "window_id": len(self.rows["survey_windows"]) + 1,
                "school_id": school_id,
                "academic_year": academic_year,
                "opens_on": date(start, 9, 1),
                "closes_on": date(start + 1, 7, 20),
                "bank_version": BANK_VERSION,
                "framework_version": 1,
            }
        )

    def add_response_count(
        self,
        school_id: int,
        academic_year: str,
        group: str,
        n_responses: int,
        *,
        key_stage: str = "all",
        n_excluded: int = 0,
        number_on_roll: int | None = None,
    ) -> None:
        is_suppressed = n_responses < THRESHOLD
        self.rows["response_counts"].append(
            {
                "school_id": school_id,
                "academic_year": academic_year,
                "stakeholder_group": group,
                "key_stage": key_stage,
                "n_responses": n_responses,
                "n_excluded": n_excluded,
                "number_on_roll": number_on_roll,
                "response_rate": (
                    100.0 * n_responses / number_on_roll if number_on_roll else None
                ),
                "is_suppressed": is_suppressed,
                "suppression_reason": "below_threshold" if is_suppressed else None,
            }
        )

    def add_cells(
        self,
        school_id: int,
        academic_year: str,
        group: str,
        n: int,
        score: float,
        *,
        key_stage: str = "all",
        half_width: float = 7.0,
        pct_positive: float = 71.2,
        dont_know_rate: float = 4.0,
        n_excluded: int = 2,
        alpha: float | None = 0.82,
        suppression_reason: str | None = None,
    ) -> None:
        """Add component and practice cells for every component of the group.

        Component Cn scores score + (n - 1), and each practice scores its
        component's score + 0.5 x its position, so tests can predict them.
        """
        if suppression_reason is None and n < THRESHOLD:
            suppression_reason = "below_threshold"
        cell = {
            "school_id": school_id,
            "academic_year": academic_year,
            "stakeholder_group": group,
            "key_stage": key_stage,
            "bank_version": BANK_VERSION,
            "n_respondents": n,
            "pct_positive": pct_positive,
            "dont_know_rate": dont_know_rate,
            "n_excluded": n_excluded,
            "is_suppressed": suppression_reason is not None,
            "suppression_reason": suppression_reason,
        }
        asked = {
            question["practice_id"]
            for question in self.rows["questions"]
            if question["stakeholder_group"] == group
        }
        for component in self.rows["components"]:
            component_id = component["component_id"]
            component_score = score + component["component_position"] - 1
            self.rows["component_indicators"].append(
                {
                    **cell,
                    **_scores(component_score, half_width),
                    "component_id": component_id,
                    "cronbach_alpha": alpha if key_stage == "all" else None,
                    "n_items": 3,
                }
            )
            for practice in self.rows["practices"]:
                if (
                    practice["component_id"] != component_id
                    or practice["practice_id"] not in asked
                ):
                    continue
                practice_score = component_score + 0.5 * practice["practice_position"]
                self.rows["practice_indicators"].append(
                    {
                        **cell,
                        **_scores(practice_score, half_width),
                        "component_id": component_id,
                        "practice_id": practice["practice_id"],
                    }
                )

    def publish(self, published_at: datetime | None = PUBLISHED_AT) -> Path:
        """Write every table to a new file and move it into place."""
        if published_at is not None:
            self.rows["publication"].append(
                {
                    "run_id": 1,
                    "published_at": published_at,
                    "n_responses": 0,
                    "n_responses_loaded": 0,
                    "last_response_seq": 0,
                    "dbt_version": "1.11",
                    "dbt_duckdb_version": "1.11",
                    "gx_version": "1.24",
                    "duckdb_version": duckdb.__version__,
                }
            )
        building_path = self.published_path.with_name("building.duckdb")
        building_path.parent.mkdir(parents=True, exist_ok=True)
        building_path.unlink(missing_ok=True)
        with duckdb.connect(str(building_path)) as connection:
            connection.execute(MARTS_DDL)
            for table, columns in TABLE_COLUMNS.items():
                rows = self.rows[table]
                if not rows:
                    continue
                # One statement per table: DuckDB spends milliseconds on
                # each statement, and a test adds hundreds of rows.
                placeholders = "(" + ", ".join("?" * len(columns)) + ")"
                connection.execute(
                    f"insert into marts.{table} values "
                    + ", ".join([placeholders] * len(rows)),
                    [row.get(column) for row in rows for column in columns],
                )
        os.replace(building_path, self.published_path)
        return self.published_path

    def _add_framework(self) -> None:
        framework = yaml.safe_load((REFERENCE_DIR / "framework.yml").read_text())
        for position, component in enumerate(framework["components"], start=1):
            self.rows["components"].append(
                {
                    "framework_version": 1,
                    "component_id": component["component_id"],
                    "component_position": position,
                    "component_title": component["title"],
                }
            )
            for practice_position, practice in enumerate(
                component["practices"], start=1
            ):
                self.rows["practices"].append(
                    {
                        "framework_version": 1,
                        "practice_id": practice["practice_id"],
                        "component_id": component["component_id"],
                        "component_title": component["title"],
                        "practice_position": practice_position,
                        "practice_text": practice["text"],
                    }
                )

    def _add_questions(self) -> None:
        bank = yaml.safe_load(
            (REFERENCE_DIR / "question_banks" / f"{BANK_VERSION}.yml").read_text()
        )
        for group in bank["groups"]:
            scale = bank["scales"][group["scale"]]
            for position, question in enumerate(group["questions"], start=1):
                self.rows["questions"].append(
                    {
                        "bank_version": BANK_VERSION,
                        "question_id": question["question_id"],
                        "stakeholder_group": group["group_id"],
                        "practice_id": question["practice_id"],
                        "component_id": "C" + question["practice_id"][1:].split(".")[0],
                        "question_position": position,
                        "question_text": question["text"],
                        "scale_id": group["scale"],
                        "points": scale["points"],
                        "positive_from": scale["positive_from"],
                        "labels": [str(label) for label in scale["labels"]],
                        "dont_know_label": scale.get("dont_know_label"),
                    }
                )


def _scores(score: float, half_width: float) -> dict:
    return {
        "score": score,
        "ci_lower": score - half_width,
        "ci_upper": score + half_width,
    }
