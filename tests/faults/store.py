"""The operational store of the fault tests: creating surveys, reading them back."""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from survey_app import create_app
from survey_app.calendar import academic_year_for, london_today
from survey_app.db import codes_path_for, get_db
from survey_app.migrate import upgrade_database
from survey_app.models import SurveyLink
from survey_app.reference import sync_reference_data
from survey_app.windows import (
    MAX_CODES_PER_BATCH,
    create_school,
    create_window,
    issue_access_codes,
    set_access,
)

from .respondents import SurveyTarget


def store_path(var_dir: Path) -> Path:
    return var_dir / "imhars.sqlite"


def codes_path(var_dir: Path) -> Path:
    return codes_path_for(store_path(var_dir))


def make_app(
    var_dir: Path, secret_key: str | None = None, store: Path | None = None
) -> Flask:
    """Return an app whose store (unless given) and warehouse are under var_dir."""
    settings = {
        "VAR_DIR": var_dir,
        "SQLALCHEMY_DATABASE_URL": f"sqlite:///{store or store_path(var_dir)}",
        "WAREHOUSE_DIR": var_dir / "warehouse",
    }
    if secret_key is not None:
        settings["SECRET_KEY"] = secret_key
    return create_app(settings)


def create_store(var_dir: Path) -> None:
    """Create and migrate the store under var_dir, with the reference data."""
    app = make_app(var_dir)
    try:
        upgrade_database(app.extensions["db_engine"])
        with app.app_context():
            sync_reference_data(get_db(), app.config["REFERENCE_DIR"])
    finally:
        app.extensions["db_engine"].dispose()


def create_open_surveys(
    var_dir: Path, secret_key: str, respondents: int
) -> list[SurveyTarget]:
    """Create a primary and a secondary school with windows open today.

    Returns four targets: primary pupils on a link with access codes (enough
    for their share of respondents), primary parents, secondary pupils and
    secondary staff.
    """
    create_store(var_dir)
    app = make_app(var_dir, secret_key)
    academic_year = academic_year_for(london_today())
    try:
        with app.app_context():
            db = get_db()
            links = {}
            for name, phase in (
                ("Hillside Primary", "primary"),
                ("Northgate High", "secondary"),
            ):
                school = create_school(db, name, phase)
                window = create_window(db, school.school_id, academic_year)
                for link in window.links:
                    links[(phase, link.stakeholder_group)] = link
            coded = links[("primary", "pupil_primary")]
            set_access(coded, "codes", kiosk=False, number_on_roll=None)
            codes = _issue_codes(db, coded, respondents // 4 + 1)
            db.commit()
            return [
                SurveyTarget(coded.token, tuple(codes)),
                SurveyTarget(links[("primary", "parent")].token),
                SurveyTarget(links[("secondary", "pupil_secondary")].token),
                SurveyTarget(links[("secondary", "staff")].token),
            ]
    finally:
        app.extensions["db_engine"].dispose()


def _issue_codes(db, link: SurveyLink, count: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < count:
        batch = min(MAX_CODES_PER_BATCH, count - len(codes))
        codes += issue_access_codes(db, link, f"Class {len(codes)}", batch)
    return codes


@dataclass(frozen=True)
class StoredResponse:
    token: str | None
    stakeholder_group: str
    bank_version: str
    year_group: int | None
    answers: dict[str, str]


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """Open a read-only connection to a SQLite file, closed after the block."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        yield connection


def stored_responses(path: Path) -> dict[str, StoredResponse]:
    """Return every stored response by response_id, answers as the form sends them."""
    with read_only(path) as connection:
        rows = connection.execute(
            "select r.response_id, r.response_seq, l.token, r.stakeholder_group, "
            "r.bank_version, r.year_group from responses r "
            "left join survey_links l using (link_id)"
        ).fetchall()
        answers: dict[int, dict[str, str]] = {}
        for seq, question_id, value, is_dont_know in connection.execute(
            "select response_seq, question_id, value, is_dont_know from answers"
        ):
            answers.setdefault(seq, {})[question_id] = (
                "dk" if is_dont_know else str(value)
            )
    return {
        response_id: StoredResponse(token, group, bank, year, answers.get(seq, {}))
        for response_id, seq, token, group, bank, year in rows
    }


def question_ids(path: Path) -> dict[tuple[str, str], set[str]]:
    """Return the question ids of each (bank_version, stakeholder_group)."""
    with read_only(path) as connection:
        rows = connection.execute(
            "select bank_version, stakeholder_group, question_id from questions"
        ).fetchall()
    questions: dict[tuple[str, str], set[str]] = {}
    for bank_version, group, question_id in rows:
        questions.setdefault((bank_version, group), set()).add(question_id)
    return questions


@contextmanager
def read_only_with_codes(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the store read-only with its access codes file attached as codes."""
    with read_only(path) as connection:
        connection.execute(
            "attach database ? as codes", (f"file:{codes_path_for(path)}?mode=ro",)
        )
        yield connection


def integrity_check(path: Path) -> list[str]:
    """Return SQLite's integrity_check and foreign_key_check findings ('ok' if none).

    The access codes file beside the store is checked too.
    """
    with read_only_with_codes(path) as connection:
        findings = [row[0] for row in connection.execute("pragma integrity_check")]
        findings += [
            f"foreign key: {row}"
            for row in connection.execute("pragma foreign_key_check")
        ]
    return findings


def spent_codes(path: Path, token: str) -> int:
    with read_only_with_codes(path) as connection:
        return connection.execute(
            "select count(*) from codes.access_codes c "
            "join survey_links l using (link_id) "
            "where l.token = ? and c.is_spent",
            (token,),
        ).fetchone()[0]


def incomplete_responses(path: Path) -> list[str]:
    """Return the response ids whose answers are not exactly their questions."""
    questions = question_ids(path)
    return sorted(
        response_id
        for response_id, stored in stored_responses(path).items()
        if set(stored.answers)
        != questions[(stored.bank_version, stored.stakeholder_group)]
    )
