"""The main job end to end: questionnaires sent over HTTP become published results.

Responses go through the app's real pages, then the real pipeline (load, dbt
build, Great Expectations, publish) runs as a separate process, and the
school's results page shows the published figures.
"""

import hashlib
import sqlite3

import duckdb
import pytest
from auth.pages import PASSWORD, add_user, check_page, sign_in, text_of
from pipeline.conftest import run_pipeline_command
from survey.conftest import Respondent
from survey.conftest import make_survey as make_survey  # noqa: F401 - a fixture

from pipeline.settings import PipelineSettings

pytestmark = [pytest.mark.slow, pytest.mark.dbt]

PARENTS = 12


def send_questionnaire(app, token: str, seed: int) -> None:
    """Answer every question with varied values, as a real parent would."""
    respondent = Respondent(app.test_client(), token)
    assert respondent.start().status_code == 303
    respondent.answer_all(answer=lambda name: str(1 + (sum(map(ord, name)) + seed) % 5))
    assert respondent.send().status_code == 303


def marts_snapshot(path) -> dict[str, list[tuple]]:
    """Return every marts table except the run's own metadata, rows sorted."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_name <> 'publication' "
                "order by 1"
            ).fetchall()
        ]
        return {
            table: sorted(
                connection.execute(f'select * from marts."{table}"').fetchall(),
                key=repr,
            )
            for table in tables
        }


def parent_cell(path, school_id) -> tuple:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            """
            select n_respondents, is_suppressed
            from marts.component_indicators
            where school_id = ? and stakeholder_group = 'parent'
                and key_stage = 'all' and component_id = 'C1'
            """,
            [school_id],
        ).fetchone()


def test_sent_questionnaires_reach_results_page(app, client, make_survey):
    # The test client answers in milliseconds: keep these responses in the
    # figures rather than flagged as implausibly fast.
    app.config["MIN_SECONDS_PER_QUESTION"] = 0
    survey = make_survey()
    for seed in range(PARENTS):
        send_questionnaire(app, survey.tokens["parent"], seed)
    settings = PipelineSettings.from_config(app.config)

    first = run_pipeline_command(settings, "run")

    assert first.returncode == 0, first.stderr[-3000:]
    assert parent_cell(settings.published_path, survey.school_id) == (PARENTS, False)
    add_user(app, "lead@hillside.example", role="school", school_id=survey.school_id)
    sign_in(client, "lead@hillside.example", PASSWORD)
    page = check_page(client.get("/results"))
    assert f"n = {PARENTS}" in text_of(page.select_one("main"))

    snapshot = marts_snapshot(settings.published_path)
    second = run_pipeline_command(settings, "run")

    assert second.returncode == 0, second.stderr[-3000:]
    assert marts_snapshot(settings.published_path) == snapshot

    published_bytes = hashlib.sha256(settings.published_path.read_bytes()).digest()
    send_questionnaire(app, survey.tokens["parent"], PARENTS)
    database = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        # A value outside the 5-point scale that the store's own checks accept,
        # planted in the new response: only the warehouse validation catches it.
        connection.execute(
            "update answers set value = 9, is_dont_know = 0 "
            "where response_seq = (select max(response_seq) from responses)"
        )

    failed = run_pipeline_command(settings, "run")

    assert failed.returncode != 0
    assert "value" in failed.stderr.lower()
    assert (
        hashlib.sha256(settings.published_path.read_bytes()).digest() == published_bytes
    )
    assert parent_cell(settings.published_path, survey.school_id) == (PARENTS, False)
    page = check_page(client.get("/results"))
    assert f"n = {PARENTS}" in text_of(page.select_one("main"))
