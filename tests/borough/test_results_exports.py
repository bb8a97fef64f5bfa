"""Downloads of the school results page's tables, on the three-school build."""

import csv
import io

import pytest
from auth.pages import check_page

from .warehouse import HILLTOP, MEADOW, YEAR

pytestmark = [pytest.mark.dbt, pytest.mark.slow]


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def export_url(school_id: int, table: str, export_format: str = "csv") -> str:
    return f"/schools/{school_id}/results/export/{table}.{export_format}?year={YEAR}"


def test_results_page_links_each_table(sign_in_as, published_borough):
    client = sign_in_as("school")

    page = check_page(client.get("/results", query_string={"year": YEAR}))
    links = {
        anchor.get("href")
        for anchor in page.select("a")
        if "/results/export/" in (anchor.get("href") or "")
    }

    assert {
        f"/schools/{HILLTOP}/results/export/{table}.{export_format}?year={YEAR}"
        for table in ("components", "responses")
        for export_format in ("csv", "xlsx", "parquet")
    } == links


def test_results_export_keeps_hidden_cells(sign_in_as, published_borough):
    client = sign_in_as("school")

    rows = csv_rows(client.get(export_url(HILLTOP, "components")))
    governors = [row for row in rows if row["Group"] == "Governors"]
    parents = [row for row in rows if row["Group"] == "Parents and carers"]

    assert len(rows) == 7 * 3
    assert governors
    assert all(row["Score (0 to 100)"] == "" for row in governors)
    assert all(
        row["Note"] == "Suppressed: fewer than 10 responses" for row in governors
    )
    assert parents[0]["Respondents"] == "12"


def test_results_export_of_responses(sign_in_as, published_borough):
    client = sign_in_as("school")

    rows = {
        row["Group"]: row
        for row in csv_rows(client.get(export_url(HILLTOP, "responses")))
    }

    assert rows["Parents and carers"]["Responses"] == "12"
    assert rows["Parents and carers"]["Number on roll"] == "100"
    assert rows["Governors"]["Responses"] == ""
    assert rows["Governors"]["Note"] == "Suppressed: fewer than 10 responses"


@pytest.mark.parametrize(
    "path",
    [
        export_url(MEADOW, "components"),
        export_url(HILLTOP, "practices"),
        export_url(HILLTOP, "components", "json"),
    ],
)
def test_results_export_refused(sign_in_as, published_borough, path):
    client = sign_in_as("school")

    response = client.get(path)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?year=1999/00", "there are no results for ‘1999/00’"),
        ("", "the download link names no year"),
    ],
)
def test_results_export_bad_year_named(sign_in_as, published_borough, query, message):
    client = sign_in_as("school")

    response = client.get(f"/schools/{HILLTOP}/results/export/components.csv{query}")

    assert response.status_code == 302
    page = check_page(client.get(response.headers["Location"]))
    banner = page.text(".govuk-notification-banner")
    assert f"Nothing was downloaded, because {message}" in banner


def test_borough_user_exports_any_school(sign_in_as, published_borough):
    client = sign_in_as("borough")

    response = client.get(export_url(MEADOW, "components", "xlsx"))

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
