"""The borough dashboard and its exports, on the real build of the three-school case."""

import csv
import io

import duckdb
import pyarrow.parquet as pq
import pytest
from auth.pages import check_page, text_of
from openpyxl import load_workbook

from .warehouse import PREVIOUS_YEAR, YEAR

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

TABLES = ("scores", "changes", "schools", "trends", "response-rates")


@pytest.fixture
def officer(sign_in_as, published_borough):
    return sign_in_as("borough")


def cell_texts(page, table_id: str) -> dict[str, list[str]]:
    """Return each row of a table by its header text: the row's cell texts."""
    table = page.select_one(f"#{table_id}")
    return {
        text_of(row.find("th")): [text_of(cell) for cell in row.findall("td")]
        for row in table.iter("tr")
        if row.find("th") is not None and row.findall("td")
    }


def dashboard(client, **query):
    return check_page(client.get("/borough", query_string=query))


# Access


@pytest.mark.parametrize("path", ["/borough", "/borough/export/scores.csv"])
def test_school_user_refused(sign_in_as, published_borough, path):
    client = sign_in_as("school")

    response = client.get(path)

    assert response.status_code == 403


def test_anonymous_user_sent_to_sign_in(client, published_borough):
    response = client.get("/borough")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", ["borough", "admin"])
def test_borough_and_admin_users_see_dashboard(sign_in_as, published_borough, role):
    page = dashboard(sign_in_as(role))

    assert page.text("h1") == "Borough results"


def test_dashboard_before_any_results(sign_in_as):
    page = check_page(sign_in_as("borough").get("/borough"))

    assert page.text("h1") == "No borough results yet"


# Figures


def test_scores_table_shows_borough_figures(officer):
    page = dashboard(officer, group="parent")

    headers = [text_of(cell) for cell in page.select("#scores-table thead th")]
    component_one = cell_texts(page, "scores-table")["C1 School ethos and environment"]

    assert headers == ["Component", "Parents and carers", "Staff", "Governors"]
    assert component_one[0].startswith("53 (49–57)")
    assert "n = 38 in 3 schools" in component_one[0]
    assert component_one[1] == (
        "Hidden so that a group of fewer than 10 responses cannot be worked out"
    )
    assert "n = 21 in 3 schools" in component_one[2]


def test_changes_marked_only_beyond_chance(officer):
    page = dashboard(officer, group="parent")

    rows = cell_texts(page, "changes-table")
    component_one = rows["C1 School ethos and environment"]
    component_two = rows["C2 Relationships and social skills"]

    assert component_one[0] == "56 (53–59), n = 38"
    assert component_one[1] == "53 (49–57), n = 38"
    assert component_one[2].startswith("+48.7 (+40.0 to +57.4)")
    assert "Compared on 1 of 3 questions" in component_one[2]
    assert "On those questions the score went from " in component_one[2]
    assert "The year columns count every question" in component_one[2]
    assert component_one[3] == "Significant rise"
    assert component_two[2] == "0.0 (−12.9 to +12.9)"
    assert component_two[3] == "No clear change: the interval includes zero"
    assert len(page.select("#changes-table .govuk-tag")) == 1


def test_change_hidden_with_hidden_year(officer):
    page = dashboard(officer, group="staff")

    rows = cell_texts(page, "changes-table")

    assert rows["C2 Relationships and social skills"][2] == (
        "Hidden so that a group of fewer than 10 responses cannot be worked out"
    )


def test_heat_map_hides_small_schools(officer):
    page = dashboard(officer, group="staff")

    rows = cell_texts(page, "heat-map")

    assert rows["Meadow Primary"][0] == "Fewer than 10 responses"
    assert rows["Hilltop Primary"][0].split(",")[0].isdigit()
    shaded = page.select("#heat-map td.app-heat")
    assert all("app-heat--band-" in cell.get("class") for cell in shaded)
    assert not page.select("#heat-map tr[data-school='3'] td.app-heat")


def test_heat_map_shows_interval_and_n(officer):
    page = dashboard(officer, group="parent")

    cell = page.select_one("#heat-map tr[data-school='1'] td[data-component='C2']")
    score = cell.find("span[@class='app-heat__score']")
    interval, n = cell.findall("span[@class='app-heat__detail']")

    assert text_of(score).isdigit()
    assert "–" in text_of(interval)
    assert text_of(n).replace("\xa0", " ") == "n = 12"


def test_heat_map_links_to_school_results(officer):
    page = dashboard(officer, group="parent")

    link = page.select_one("#heat-map tr[data-school='2'] a")

    assert link.get("href") == f"/schools/2/results?year={YEAR}"


def test_response_rates_with_borough_total(officer):
    page = dashboard(officer, group="parent")

    rows = cell_texts(page, "response-rates")

    assert rows["Hilltop Primary"] == ["12", "0", "100", "12%"]
    assert rows["All schools: 3 of 3 surveyed schools with responses"] == [
        "38",
        "0",
        "360",
        "11%",
    ]
    assert "flagged" in page.text("#responses-note")
    assert "Flagged responses are left out" in page.text("#scores-note")


def test_new_schools_without_responses(officer, published_borough):
    # Meadow as a school whose parents have not answered yet and whose roll
    # is not known: the borough rate is over Hilltop and Riverside alone.
    with duckdb.connect(str(published_borough)) as connection:
        connection.execute(
            "update marts.borough_school_responses set has_responses = false"
            " where school_id = 3 and stakeholder_group = 'parent'"
        )
        connection.execute(
            "update marts.borough_response_counts set n_schools = 2,"
            " number_on_roll = null, response_rate = null,"
            " n_schools_with_roll = 2, number_on_roll_known = 250,"
            " response_rate_known_roll = 100 * 27 / 250"
            " where academic_year = ? and stakeholder_group = 'parent'"
            " and phase = 'all'",
            [YEAR],
        )

    page = dashboard(officer, group="parent")
    rows = cell_texts(page, "response-rates")
    total = rows["All schools: 2 of 3 surveyed schools with responses"]

    assert rows["Meadow Primary"][0] == "No responses yet"
    assert total[2] == "250 in the 2 schools whose roll is known"
    assert total[3] == "11% over the 2 of 3 schools whose roll is known"


def test_phase_filter_of_two_schools_hidden(officer):
    page = dashboard(officer, group="parent", phase="primary")

    cells = cell_texts(page, "scores-table")["C1 School ethos and environment"]
    rows = cell_texts(page, "response-rates")

    assert cells[0] == "Fewer than 3 schools"
    assert rows["Primary schools (2 surveyed)"][0] == "Fewer than 3 schools"
    assert set(cell_texts(page, "heat-map")) == {"Hilltop Primary", "Meadow Primary"}


def test_trend_chart_per_component(officer):
    page = dashboard(officer, group="parent")

    charts = page.select("svg.app-trend-chart")
    rows = cell_texts(page, "trends-table")

    assert len(charts) == 7
    assert charts[0].get("role") == "img"
    assert rows["C1 School ethos and environment"][0].startswith("56 (53–59)")
    assert rows["C1 School ethos and environment"][1].startswith("53 (49–57)")


def test_group_names_keep_capitals(officer):
    page = dashboard(officer, group="parent")

    assert page.text("#changes") == "Change since the year before: parents and carers"


def test_group_not_surveyed_by_phase(officer, published_borough):
    with duckdb.connect(str(published_borough)) as connection:
        connection.execute(
            "delete from marts.response_counts"
            " where school_id = 2 and stakeholder_group = 'governor'"
        )

    page = dashboard(officer, group="governor", phase="secondary")
    scores = cell_texts(page, "scores-table")["C1 School ethos and environment"]

    assert page.text("#not-surveyed") == (
        "Governors: not surveyed in secondary schools"
    )
    assert "No secondary schools surveyed governors" in page.text("#not-surveyed-note")
    assert scores[2] == "Not surveyed in these schools"
    for table_id in ("changes-table", "heat-map", "response-rates", "trends-table"):
        assert page.select(f"#{table_id}") == []


def test_year_with_open_windows_provisional(officer, published_borough):
    with duckdb.connect(str(published_borough)) as connection:
        connection.execute(
            "update marts.survey_windows set closes_on = date '2099-12-18'"
            " where academic_year = ?",
            [YEAR],
        )

    page = dashboard(officer, group="parent")
    trend_headers = [text_of(cell) for cell in page.select("#trends-table thead th")]

    assert "18 December 2099" in page.text("#provisional-note")
    assert f"{YEAR} figures are provisional" in page.text("#provisional-note")
    assert trend_headers[1:] == [PREVIOUS_YEAR, f"{YEAR} (provisional)"]
    assert "18 December 2099" in page.text("#trends-provisional-note")


def test_closed_year_not_provisional(officer):
    page = dashboard(officer, group="parent")

    assert page.select("#provisional-note") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2031/32"}, "There are no borough results for ‘2031/32’"),
        ({"group": "pupil_primary"}, "results for the group ‘pupil_primary’"),
        ({"phase": "nursery"}, "‘nursery’ is not a phase"),
    ],
)
def test_unknown_filter_named_and_replaced(officer, query, message):
    response = officer.get("/borough", query_string=query)
    page = check_page(officer.get(response.headers["Location"]))

    assert response.status_code == 302
    assert message in page.text(".govuk-notification-banner")


# Pages of schools


@pytest.fixture
def two_per_page(monkeypatch):
    """List two schools a page, so the three-school case takes two pages."""
    from survey_app import borough

    monkeypatch.setattr(borough, "SCHOOLS_PER_PAGE", 2)


def test_one_page_has_no_page_links(officer):
    page = dashboard(officer, group="parent")

    assert page.select(".govuk-pagination") == []
    assert len(cell_texts(page, "heat-map")) == 3


def test_school_tables_split_into_pages(officer, two_per_page):
    first = dashboard(officer, group="parent")
    second = dashboard(officer, group="parent", page="2")

    assert list(cell_texts(first, "heat-map")) == ["Hilltop Primary", "Meadow Primary"]
    assert list(cell_texts(second, "heat-map")) == ["Riverside Academy"]
    assert list(cell_texts(second, "response-rates"))[0] == "Riverside Academy"
    assert "Schools 1 to 2 of 3, by name" in first.text("#main-content")
    assert "Schools 3 to 3 of 3, by name" in second.text("#main-content")


def test_page_links_keep_filters(officer, two_per_page):
    page = dashboard(officer, group="parent", phase="all")

    links = [link.get("href") for link in page.select(".govuk-pagination__next a")]
    labels = [nav.get("aria-label") for nav in page.select("nav.govuk-pagination")]
    next_link = links[0]

    assert len(links) == 2
    assert labels == ["Pages of school scores", "Pages of responses"]
    assert "group=parent" in next_link
    assert "page=2" in next_link
    assert next_link.endswith("#schools")


def test_page_keeps_borough_total(officer, two_per_page):
    page = dashboard(officer, group="parent", page="2")

    rows = cell_texts(page, "response-rates")

    assert "All schools: 3 of 3 surveyed schools with responses" in rows


@pytest.mark.parametrize("page_text", ["3", "0", "two", "-1", "\u0662"])
def test_unknown_page_named_and_replaced(officer, two_per_page, page_text):
    response = officer.get("/borough", query_string={"page": page_text})
    page = check_page(officer.get(response.headers["Location"]))

    assert response.status_code == 302
    assert "page=" not in response.headers["Location"]
    assert f"There is no page ‘{page_text}’ of schools" in page.text(
        ".govuk-notification-banner"
    )


def test_export_lists_every_school(officer, two_per_page):
    response = officer.get(
        "/borough/export/schools.csv", query_string={"group": "parent", "page": "2"}
    )

    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    assert response.status_code == 200
    assert len({row[next(iter(row))] for row in rows}) == 3


def test_filter_form_is_a_get_form(officer):
    page = dashboard(officer)

    form = page.select_one("form[method=get]")

    assert form.get("action") == "/borough"
    assert [element.get("name") for element in form.iter("select")] == [
        "year",
        "group",
        "phase",
    ]


# Exports


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("export_format", ["csv", "xlsx", "parquet"])
def test_every_table_exports(officer, table, export_format):
    page = dashboard(officer, group="parent")
    link = [
        anchor.get("href")
        for anchor in page.select("a")
        if f"/borough/export/{table}.{export_format}?" in (anchor.get("href") or "")
    ]

    response = officer.get(link[0])

    assert len(link) == 1
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert len(response.data) > 0


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_keeps_suppression(officer):
    response = officer.get(
        "/borough/export/scores.csv",
        query_string={"year": YEAR, "group": "staff", "phase": "all"},
    )

    rows = [row for row in csv_rows(response) if row["Group"] == "Staff"]

    assert rows
    for row in rows:
        assert row["Score (0 to 100)"] == ""
        assert row["Respondents"] == ""
        assert row["Note"].startswith("Suppressed")


def test_export_names_too_few_schools(officer):
    response = officer.get(
        "/borough/export/scores.csv",
        query_string={"year": YEAR, "group": "parent", "phase": "primary"},
    )

    rows = csv_rows(response)

    notes = {
        row["Component"]: row["Note"]
        for row in rows
        if row["Group"] == "Parents and carers"
    }

    assert notes["C1"] == "Suppressed: built from too few schools"
    assert notes["C2"] == "Suppressed: built from too few schools"
    # The test banks ask nothing about C3 to C7: no figure, read as small.
    assert notes["C3"] == "Suppressed: fewer than 10 responses"


def test_export_of_changes_matches_page(officer):
    response = officer.get(
        "/borough/export/changes.xlsx",
        query_string={"year": YEAR, "group": "parent", "phase": "all"},
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))

    assert first["Component"] == "C1"
    assert first["Compared with"] == PREVIOUS_YEAR
    assert first["Questions compared"] == 1
    assert first["Questions asked"] == 3
    assert first["Change of score"] == pytest.approx(48.6842, abs=1e-4)
    assert first["Interval excludes zero"] == "yes"


def test_export_of_schools_as_parquet(officer):
    response = officer.get(
        "/borough/export/schools.parquet",
        query_string={"year": YEAR, "group": "staff", "phase": "all"},
    )
    table = pq.read_table(io.BytesIO(response.data)).to_pylist()
    meadow = [row for row in table if row["school_name"] == "Meadow Primary"]

    assert meadow
    assert all(row["score"] is None for row in meadow)
    assert all(row["n_respondents"] is None for row in meadow)
    assert all(row["suppression_note"].startswith("Suppressed") for row in meadow)


def test_export_writes_titles_not_codes(officer):
    response = officer.get(
        "/borough/export/scores.xlsx",
        query_string={"year": YEAR, "group": "parent", "phase": "all_through"},
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, [cell.value for cell in row], strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]

    assert rows
    assert {row["Schools"] for row in rows} == {"All-through schools"}
    assert "Parents and carers" in {row["Group"] for row in rows}
    assert not {row["Group"] for row in rows} & {"parent", "pupil_primary", "staff"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=1999/00", "There are no borough results for ‘1999/00’"),
        ("phase=nursery", "‘nursery’ is not a phase, so this page shows all schools"),
        ("group=nonsense", "results for the group ‘nonsense’, so this page shows"),
    ],
)
@pytest.mark.parametrize("table", ["scores", "schools"])
def test_export_with_bad_filter_names_it(officer, table, query, message):
    response = officer.get(f"/borough/export/{table}.csv?{query}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/borough?")
    page = check_page(officer.get(response.headers["Location"]))
    banners = page.texts(".govuk-notification-banner")
    assert any("Nothing was downloaded" in banner for banner in banners), banners
    assert any(message in banner for banner in banners), banners


@pytest.mark.parametrize(
    "path", ["/borough/export/secrets.csv", "/borough/export/scores.json"]
)
def test_unknown_export_not_found(officer, path):
    response = officer.get(path)
    page = officer.get("/borough")

    assert response.status_code == 404
    assert not check_page(page).select(".govuk-notification-banner")
