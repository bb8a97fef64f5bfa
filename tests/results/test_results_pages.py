"""The results pages: one school's figures, access control and suppression."""

import xml.etree.ElementTree as ElementTree

import pytest
from auth.pages import Page, check_page, csrf_token, text_of

from survey_app.db import get_db
from survey_app.models import PipelineRun, utc_now

from .conftest import HILLTOP, RIVERSIDE
from .published import PublishedMarts

HIDDEN_TEXT = "Fewer than 10 responses"
# The HTML parser puts SVG elements in the SVG namespace.
SVG = "{http://www.w3.org/2000/svg}"


def cell(page: Page, row_start: str, column: str, table: int = 0):
    """Return the cell of column in the row whose header starts with row_start."""
    tables = page.select("table.app-results-table")
    for row in tables[table].findall("./tbody/tr"):
        if not text_of(row.find("th")).startswith(row_start):
            continue
        for data_cell in row.findall("td"):
            if data_cell.get("data-column") == column:
                return data_cell
    raise AssertionError(f"no cell for {row_start!r} in column {column!r}")


def inner_html(element) -> str:
    """Serialise an element's content, leaving out its own tag and attributes."""
    parts = [element.text or ""]
    parts += [ElementTree.tostring(child, encoding="unicode") for child in element]
    return "".join(parts)


def test_school_user_sees_own_figures(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    assert page.text("h1") == "Results for Hilltop Primary"
    assert page.text(".govuk-caption-l") == "2024/25"
    pupils = text_of(cell(page, "C1 ", "pupil_primary"))
    assert pupils == "62 (55–69), 71% positive, n = 48"
    assert text_of(cell(page, "C2 ", "pupil_primary")) == (
        "63 (56–70), 71% positive, n = 48"
    )
    governors = text_of(cell(page, "C1 ", "governor"))
    assert governors == "50 (43–57), 58% positive, n = 12"


def test_table_has_groups_as_columns(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    headers = page.texts("table.app-results-table thead th")
    assert headers == [
        "Component",
        "Pupils in Years 3 to 6",
        "Parents and carers",
        "Staff",
        "Governors",
    ]
    rows = page.texts("table.app-results-table tbody th")
    assert len(rows) == 7
    assert rows[0] == "C1 School ethos and environment"


def test_other_school_by_url_not_found(published, sign_in_as, client):
    sign_in_as("school")

    for path in (
        f"/schools/{RIVERSIDE}/results",
        f"/schools/{RIVERSIDE}/results?year=2024/25",
        f"/schools/{RIVERSIDE}/results/components/C1",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Riverside" not in response.get_data(as_text=True)
        assert "39 (31–46)" not in response.get_data(as_text=True)


def test_other_school_by_field_not_found(published, sign_in_as, client):
    sign_in_as("school")

    for path in (
        f"/results?school={RIVERSIDE}",
        f"/results?school={RIVERSIDE}&year=2024/25",
        f"/results/components/C1?school={RIVERSIDE}",
        "/results?school=999",
        "/results?school=1%20OR%201=1",
        "/results?school=-2",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "39 (31–46)" not in response.get_data(as_text=True)


def test_update_for_other_school_not_found(published, sign_in_as, client):
    sign_in_as("school")
    token = csrf_token(client, "/results")

    response = client.post(
        f"/results/update?school={RIVERSIDE}", data={"csrf_token": token}
    )

    assert response.status_code == 404
    with client.application.app_context():
        assert get_db().query(PipelineRun).count() == 0


def test_school_user_may_name_own_school(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get(f"/results?school={HILLTOP}"))

    assert page.text("h1") == "Results for Hilltop Primary"


def test_second_school_sees_only_its_own(published, sign_in_as, client):
    sign_in_as("school", RIVERSIDE)

    page = check_page(client.get("/results"))

    assert page.text("h1") == "Results for Riverside Academy"
    assert text_of(cell(page, "C1 ", "pupil_secondary")).startswith("39 (31–46)")
    assert "62 (55–69)" not in page.html
    assert client.get(f"/schools/{HILLTOP}/results").status_code == 404


def test_borough_user_chooses_a_school(published, sign_in_as, client):
    sign_in_as("borough")

    choice = check_page(client.get("/results"))
    by_path = check_page(client.get(f"/schools/{RIVERSIDE}/results"))
    by_field = check_page(client.get(f"/results?school={RIVERSIDE}"))

    links = {text_of(link): link.get("href") for link in choice.select("main li a")}
    assert links == {
        "Hilltop Primary": f"/schools/{HILLTOP}/results",
        "Riverside Academy": f"/schools/{RIVERSIDE}/results",
    }
    assert by_path.text("h1") == "Results for Riverside Academy"
    assert by_field.text("h1") == "Results for Riverside Academy"


def test_admin_user_sees_any_school(published, sign_in_as, client):
    sign_in_as("admin")

    page = check_page(client.get(f"/schools/{HILLTOP}/results"))

    assert text_of(cell(page, "C1 ", "pupil_primary")).startswith("62 (55–69)")


def test_unknown_school_not_found(published, sign_in_as, client):
    sign_in_as("borough")

    assert client.get("/schools/999/results").status_code == 404


def test_suppressed_cell_same_for_zero_and_nine(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    for component in ("C1 ", "C4 ", "C7 "):
        nine = cell(page, component, "parent")
        zero = cell(page, component, "staff")
        assert text_of(nine) == HIDDEN_TEXT
        assert text_of(zero) == HIDDEN_TEXT
        assert inner_html(nine) == inner_html(zero)
        assert "9" not in inner_html(nine)
        assert "93" not in inner_html(nine)


def test_suppressed_figures_appear_nowhere(published, sign_in_as, client):
    sign_in_as("school")

    html = client.get("/results").get_data(as_text=True)

    # The parents' row holds a score of 93.3 (C1) to 99.3 (C7); none may leak
    # into the table, the chart or anywhere else.
    for score in range(93, 100):
        assert f"{score} (" not in html
    assert "n = 9" not in html
    assert "n = 0" not in html


def test_response_counts_hide_small_groups(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    rows = {
        text_of(row.find("th")): [text_of(data) for data in row.findall("td")]
        for row in page.select("table:not(.app-results-table) tbody tr")
    }
    assert rows["Pupils in Years 3 to 6"] == ["48", "0", "120", "40%"]
    assert rows["Parents and carers"] == [
        HIDDEN_TEXT,
        "Not shown",
        "Not known",
        "Not shown",
    ]
    assert rows["Staff"] == [HIDDEN_TEXT, "Not shown", "30", "Not shown"]
    assert rows["Governors"] == ["12", "1", "Not known", "Not known"]


def test_chart_draws_unsuppressed_cells_only(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    # The wide drawing and the narrow one for phones show the same dots.
    for chart_id in ("components-chart", "components-chart-narrow"):
        chart = page.select_one(f"svg#{chart_id}")
        assert chart.get("role") == "img"
        labelled_by = chart.get("aria-labelledby").split()
        tags = [page.select_one(f"#{element_id}").tag for element_id in labelled_by]
        assert tags == [f"{SVG}title", f"{SVG}desc"]
        # Pupils and governors for each of 7 components; parents and staff none.
        assert len(chart.findall(f".//{SVG}circle")) == 14
        texts = [text_of(text) for text in chart.findall(f".//{SVG}text")]
        assert texts.count(HIDDEN_TEXT) == 14
        assert "62 (55–69)" in texts


def test_default_year_newest_with_figures(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))
    older = check_page(client.get("/results?year=2023/24"))

    options = [option.get("value") for option in page.select("select#year option")]
    assert options == ["2024/25", "2023/24"]
    assert page.select_one("select#year option[selected]").get("value") == "2024/25"
    assert older.text(".govuk-caption-l") == "2023/24"
    assert text_of(cell(older, "C1 ", "pupil_primary")).startswith("55 (48–62)")


def test_unknown_year_redirects_with_message(published, sign_in_as, client):
    sign_in_as("school")

    response = client.get("/results?year=2019/20")

    assert response.status_code == 302
    assert response.headers["Location"] == "/results"
    page = check_page(client.get(response.headers["Location"]))
    assert "There are no results for ‘2019/20’" in page.text(
        ".govuk-notification-banner"
    )


def test_unknown_year_message_escaped(published, sign_in_as, client):
    sign_in_as("school")

    response = client.get(
        "/results?year=<script>alert(1)</script>", follow_redirects=True
    )

    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "‘&lt;script" in html


def test_last_updated_in_london_time(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    assert "Results last updated: 3 July 2025 at 2:15pm" in page.text("#update-status")


def test_failed_run_message_for_borough_only(app, published, sign_in_as, client):
    with app.app_context():
        db = get_db()
        db.add(
            PipelineRun(
                status="failed",
                started_by="app",
                started_at=utc_now(),
                finished_at=utc_now(),
                message="validation failed: 2 critical checks failed",
            )
        )
        db.commit()
    sign_in_as("school")

    school_page = check_page(client.get("/results"))
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    sign_in_as("borough")
    borough_page = check_page(client.get(f"/schools/{HILLTOP}/results"))

    assert "Update failed" in school_page.text("#update-status")
    assert "critical checks" not in school_page.html
    assert school_page.select("a[href='/results/validation-report']") == []
    assert "2 critical checks failed" in borough_page.text("#update-status")
    assert len(borough_page.select("a[href='/results/validation-report']")) == 1


def test_running_run_is_shown(app, published, sign_in_as, client):
    with app.app_context():
        db = get_db()
        db.add(PipelineRun(status="running", started_by="cli", started_at=utc_now()))
        db.commit()
    sign_in_as("school")

    page = check_page(client.get("/results"))

    assert "still running" in page.text("#update-status")


def test_update_button_needs_csrf_token(published, sign_in_as, client):
    sign_in_as("school")

    response = client.post("/results/update")

    assert response.status_code == 302
    with client.application.app_context():
        assert get_db().query(PipelineRun).count() == 0


def test_update_button_posts_with_school_and_year(published, sign_in_as, client):
    sign_in_as("borough")

    page = check_page(client.get(f"/schools/{HILLTOP}/results?year=2023/24"))

    form = page.select_one("#update-status form")
    assert form.get("method") == "post"
    assert form.get("action") == f"/results/update?school={HILLTOP}&year=2023/24"


def test_no_warehouse_says_no_results(schools, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    assert page.text("h1") == "No results yet"
    assert "There are no results for Hilltop Primary yet" in page.text("main")
    assert page.select_one("#update-status form").get("action") == "/results/update"


def test_school_without_results_says_no_results(schools, marts, sign_in_as, client):
    marts.add_school(RIVERSIDE, "Riverside Academy", "secondary")
    marts.publish()
    sign_in_as("school")

    page = check_page(client.get("/results"))

    assert page.text("h1") == "No results yet"


def test_results_need_sign_in(published, client):
    for path in (
        "/results",
        f"/schools/{HILLTOP}/results",
        "/results/components/C1",
        "/results/validation-report",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_component_page_shows_practices(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results/components/C2?year=2024/25"))

    assert page.text("h1") == "C2 Relationships and social skills"
    practice_table = page.select("table.app-results-table")[0]
    practices = [text_of(header) for header in practice_table.findall("./tbody/tr/th")]
    assert practices[0] == "P2.1 Teaching social skills, listening and empathy"
    assert len(practices) == 6


def test_component_marks_practices_not_asked(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results/components/C2"))

    texts = [
        text_of(cell(page, practice, "governor"))
        for practice in ("P2.1", "P2.2", "P2.3", "P2.4", "P2.5", "P2.6")
    ]
    assert "Not asked of this group" in texts
    assert any(text.endswith("n = 12") for text in texts)


def test_component_summary_reads_alpha(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results/components/C1"))

    summary = {
        text_of(row.find("th")): [text_of(data) for data in row.findall("td")]
        for row in page.select("table:not(.app-results-table) tbody tr")
    }
    assert summary["Score (95% interval)"] == [
        "62 (55–69)",
        HIDDEN_TEXT,
        HIDDEN_TEXT,
        "50 (43–57)",
    ]
    assert summary["‘Don’t know’ answers"] == ["4%", "Not shown", "Not shown", "4%"]
    assert summary["Left out by quality checks"] == ["2", "Not shown", "Not shown", "2"]
    alpha = summary["Do the questions agree? (Cronbach’s alpha)"]
    assert alpha[0] == "0.82: The questions agree well"
    assert alpha[3] == (
        "0.55: The questions agree only loosely: read the score with care"
    )


def test_component_key_stages_for_pupils(published, sign_in_as, client):
    sign_in_as("school", RIVERSIDE)

    page = check_page(client.get("/results/components/C1"))

    captions = page.texts("table.app-results-table caption")
    assert captions[-1] == "Pupils in Years 7 to 13 by key stage, 2024/25"
    key_stage_table = len(captions) - 1
    ks3 = cell(page, "C1 ", "KS3", table=key_stage_table)
    assert text_of(ks3) == "40 (33–47), 71% positive, n = 30"
    not_stated = cell(page, "C1 ", "not_stated", table=key_stage_table)
    assert text_of(not_stated) == HIDDEN_TEXT


def test_complementary_cell_says_why(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results/components/C1"))

    key_stage_table = len(page.select("table.app-results-table")) - 1
    ks2 = text_of(cell(page, "C1 ", "KS2", table=key_stage_table))
    assert ks2 == "Hidden so that a smaller group’s figures cannot be worked out"
    for score in range(81, 95):
        assert f"{score} (" not in page.html


def test_unknown_component_is_not_found(published, sign_in_as, client):
    sign_in_as("school")

    assert client.get("/results/components/C9").status_code == 404


def test_component_links_for_borough(published, sign_in_as, client):
    sign_in_as("borough")

    page = check_page(client.get(f"/schools/{HILLTOP}/results"))

    links = page.select("table.app-results-table tbody tr th a")
    assert links[0].get("href") == (
        f"/schools/{HILLTOP}/results/components/C1?year=2024/25"
    )


def test_validation_report_for_borough_only(app, published, sign_in_as, client):
    report = app.config["WAREHOUSE_DIR"] / "reports" / "latest.html"
    report.parent.mkdir(parents=True)
    report.write_text("<!DOCTYPE html><title>Report</title><style>p{}</style>")
    sign_in_as("school")
    school_response = client.get("/results/validation-report")
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    sign_in_as("borough")

    response = client.get("/results/validation-report")

    assert school_response.status_code == 403
    assert response.status_code == 200
    assert "<title>Report</title>" in response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy
    assert "script-src" not in policy
    assert response.headers["Cache-Control"] == "no-store"


def test_missing_report_not_found(published, sign_in_as, client):
    sign_in_as("admin")

    assert client.get("/results/validation-report").status_code == 404


def test_navigation_marks_results_active(published, sign_in_as, client):
    sign_in_as("school")

    page = check_page(client.get("/results"))

    active = page.select_one(".govuk-service-navigation__item--active a")
    assert active.get("href") == "/results"


@pytest.mark.parametrize("year", ["2024/25", "2023/24"])
def test_replaced_warehouse_is_read_again(
    published_path, schools, sign_in_as, client, year
):
    marts = PublishedMarts(published_path)
    marts.add_school(HILLTOP, "Hilltop Primary", "primary")
    marts.add_window(HILLTOP, year)
    marts.add_cells(HILLTOP, year, "pupil_primary", 20, 70.0)
    marts.publish()
    sign_in_as("school")
    first = check_page(client.get("/results"))

    marts = PublishedMarts(published_path)
    marts.add_school(HILLTOP, "Hilltop Primary", "primary")
    marts.add_window(HILLTOP, year)
    marts.add_cells(HILLTOP, year, "pupil_primary", 21, 20.0)
    marts.publish()
    second = check_page(client.get("/results"))

    assert text_of(cell(first, "C1 ", "pupil_primary")).endswith("n = 20")
    assert text_of(cell(second, "C1 ", "pupil_primary")).endswith("n = 21")
