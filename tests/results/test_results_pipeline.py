"""From submitted responses to the results page through the real pipeline.

The Update results button starts the pipeline (load, dbt build, Great
Expectations, publish) as a background process. The tests wait for it, then
read the published figures back through the pages.
"""

import time

import duckdb
import pytest
from auth.pages import (
    PASSWORD,
    Page,
    add_user,
    check_page,
    csrf_token,
    sign_in,
    text_of,
)
from sqlalchemy import select

from pipeline.settings import PipelineSettings
from survey_app.db import get_db
from survey_app.models import PipelineRun
from survey_app.results import Figure, figure_summary, format_percent

from .survey_data import SurveyData
from .test_results_pages import HIDDEN_TEXT, cell, inner_html

pytestmark = [pytest.mark.slow, pytest.mark.dbt]

# A run on a loaded two-core machine took about 100 s; allow for more.
RUN_TIMEOUT_SECONDS = 480


@pytest.fixture
def responses(app):
    """Hilltop: pupils 24, parents 9, staff linked with none, governors 12.

    Riverside: parents 15. Returns the two schools' ids.
    """
    with app.app_context():
        data = SurveyData(get_db())
        hilltop = data.add_school("Hilltop Primary")
        window = data.add_window(hilltop)
        pupils = data.add_link(window, "pupil_primary", number_on_roll=60)
        data.add_responses(pupils, 24, year_groups=(3, 4, 5, 6))
        data.add_responses(data.add_link(window, "parent"), 9)
        data.add_link(window, "staff", number_on_roll=30)
        data.add_responses(data.add_link(window, "governor"), 12, favourable=0.4)
        riverside = data.add_school("Riverside Academy", "secondary")
        data.add_responses(data.add_link(data.add_window(riverside), "parent"), 15)
        data.commit()
        return hilltop.school_id, riverside.school_id


def wait_for_run(app) -> PipelineRun:
    """Wait until the newest pipeline run has finished; return it."""
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with app.extensions["db_sessionmaker"]() as session:
            run = session.scalars(
                select(PipelineRun).order_by(PipelineRun.run_id.desc())
            ).first()
            if run is not None and run.status in ("succeeded", "failed"):
                return run
        time.sleep(2)
    raise AssertionError(
        f"pipeline run still {run.status} after {RUN_TIMEOUT_SECONDS} s"
    )


def published_figure(app, school_id, group, component_id) -> Figure:
    """Read one component cell straight from the published file."""
    path = PipelineSettings.from_config(app.config).published_path
    with duckdb.connect(str(path), read_only=True) as connection:
        row = connection.execute(
            """
            select n_respondents, score, ci_lower, ci_upper, pct_positive
            from marts.component_indicators
            where school_id = ? and stakeholder_group = ? and component_id = ?
                and key_stage = 'all'
            """,
            [school_id, group, component_id],
        ).fetchone()
    n, score, lower, upper, pct_positive = row
    return Figure(
        is_suppressed=False,
        n_respondents=n,
        score=score,
        ci_lower=lower,
        ci_upper=upper,
        pct_positive=pct_positive,
    )


def test_update_button_publishes_results(app, client, responses):
    hilltop, riverside = responses
    add_user(app, "lead@hilltop.example", "school", hilltop)
    sign_in(client, "lead@hilltop.example", PASSWORD)
    before = check_page(client.get("/results"))
    assert before.text("h1") == "No results yet"

    response = client.post(
        "/results/update", data={"csrf_token": csrf_token(client, "/results")}
    )
    assert response.status_code == 302
    run = wait_for_run(app)

    assert run.status == "succeeded", run.message
    page = check_page(client.get("/results"))
    assert page.text("h1") == "Results for Hilltop Primary"
    assert "Results last updated:" in page.text("#update-status")

    expected = published_figure(app, hilltop, "pupil_primary", "C1")
    pupils = text_of(cell(page, "C1 ", "pupil_primary"))
    assert pupils == (
        f"{figure_summary(expected)}, {format_percent(expected.pct_positive)} "
        "positive, n = 24"
    )
    assert text_of(cell(page, "C1 ", "governor")).endswith("n = 12")

    nine = cell(page, "C1 ", "parent")
    zero = cell(page, "C1 ", "staff")
    assert text_of(nine) == HIDDEN_TEXT
    assert inner_html(nine) == inner_html(zero)
    assert "n = 9" not in page.html

    chart = page.select_one("svg.app-chart--wide")
    assert chart.get("role") == "img"
    assert client.get(f"/schools/{riverside}/results").status_code == 404
    assert client.get(f"/results?school={riverside}").status_code == 404


def test_component_page_after_pipeline(app, client, responses):
    hilltop, _ = responses
    add_user(app, "officer@borough.example", "borough")
    sign_in(client, "officer@borough.example", PASSWORD)
    client.post(
        f"/results/update?school={hilltop}",
        data={"csrf_token": csrf_token(client, "/results")},
    )
    run = wait_for_run(app)
    assert run.status == "succeeded", run.message

    page = check_page(client.get(f"/schools/{hilltop}/results/components/C1"))
    report = client.get("/results/validation-report")

    assert page.text("h1") == "C1 School ethos and environment"
    key_stages = Page.of(client.get(f"/schools/{hilltop}/results/components/C1"))
    captions = key_stages.texts("table.app-results-table caption")
    assert captions[-1] == "Pupils in Years 3 to 6 by key stage, 2024/25"
    assert report.status_code == 200
    assert "Warehouse validation" in report.get_data(as_text=True)
