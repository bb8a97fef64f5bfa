"""Imported responses reach the warehouse's raw tables like survey responses."""

import duckdb

from pipeline.load import load_raw

from .conftest import FILES


def test_imported_responses_load_into_raw(app, run_import, tmp_path):
    result = run_import(
        FILES / "google_forms" / "responses.csv", FILES / "google_forms" / "mapping.yml"
    )
    raw_path = tmp_path / "raw.duckdb"

    loaded = load_raw(app.config["SQLALCHEMY_DATABASE_URL"], raw_path)

    assert loaded.new_responses == result.responses
    with duckdb.connect(str(raw_path), read_only=True) as warehouse:
        rows = warehouse.execute(
            "select source, count(*), count(link_id), min(submitted_on) "
            "from raw.raw.responses group by source"
        ).fetchall()
        answers = warehouse.execute("select count(*) from raw.raw.answers").fetchone()
    assert len(rows) == 1
    source, count, with_link, first_day = rows[0]
    assert source == "import"
    assert count == 5
    assert with_link == 0
    assert first_day.isoformat() == "2024-03-05"
    assert answers == (19,)
