"""flask delete-old-responses: a dry run by default, and with --confirm the old
years' responses leave the store, then the warehouse at the next pipeline run."""

import json
from datetime import date

import pytest

from survey_app.calendar import academic_year_bounds, academic_year_for, london_today
from survey_app.operations import OperationError, plan_retention

from .commands import flask_command, sqlite_tables
from .store import make_app, read_only, store_path
from .survey_data import add_responses, create_surveys
from .warehouse import (
    check_published,
    file_sha256,
    publish_without_dbt,
    published_path,
    query_file,
    raw_response_ids,
    run_pipeline,
    warehouse_dir,
)

# At least the disclosure threshold (10), so that published counts show.
RESPONSES_PER_YEAR = 12
SCHOOL = "Hillside Primary"
GROUP = "parent"
# Tables whose rows the retention command deletes; every other table is kept.
DELETED_TABLES = ("responses", "answers", "import_responses")


def academic_years_back(count: int) -> list[str]:
    """Return the current academic year and the count before it, oldest first."""
    current_start, _ = academic_year_bounds(academic_year_for(london_today()))
    return [
        academic_year_for(date(current_start.year - back, 9, 1))
        for back in range(count, -1, -1)
    ]


@pytest.fixture
def five_years(tmp_path):
    """A store with responses in the current academic year and the 4 before."""
    var_dir = tmp_path / "var"
    years = academic_years_back(4)
    create_surveys(var_dir, years)
    for seed, academic_year in enumerate(years):
        # One group of one school, so that its count is above the threshold.
        add_responses(
            var_dir,
            RESPONSES_PER_YEAR,
            seed,
            academic_year=academic_year,
            school_name=SCHOOL,
            stakeholder_group=GROUP,
        )
    return var_dir, years


def responses_by_year(var_dir) -> dict[str, int]:
    with read_only(store_path(var_dir)) as connection:
        return dict(
            connection.execute(
                "select w.academic_year, count(*) from responses r "
                "join survey_windows w using (window_id) group by 1"
            ).fetchall()
        )


def audit_events(var_dir) -> list[tuple]:
    with read_only(store_path(var_dir)) as connection:
        return connection.execute(
            "select action, object_type, object_id, detail_json from audit_events"
        ).fetchall()


def test_dry_run_deletes_nothing(five_years):
    var_dir, years = five_years
    before = sqlite_tables(store_path(var_dir))

    result = flask_command(var_dir, "delete-old-responses", "--keep-years", "2")

    assert result.returncode == 0, result.stderr
    assert f"Would delete {2 * RESPONSES_PER_YEAR} responses" in result.stdout
    assert f"  {years[0]}: {RESPONSES_PER_YEAR} responses" in result.stdout
    assert f"  {years[1]}: {RESPONSES_PER_YEAR} responses" in result.stdout
    assert years[2] not in result.stdout.split("keeps")[1].split("\n", 1)[1]
    assert "run again with --confirm" in result.stdout
    assert sqlite_tables(store_path(var_dir)) == before


def test_confirm_deletes_only_old_years(five_years):
    var_dir, years = five_years
    before = sqlite_tables(store_path(var_dir))

    result = flask_command(
        var_dir, "delete-old-responses", "--keep-years", "2", "--confirm"
    )

    assert result.returncode == 0, result.stderr
    assert f"Deleted {2 * RESPONSES_PER_YEAR} responses" in result.stdout
    assert "imhars-pipeline run" in result.stdout
    assert responses_by_year(var_dir) == dict.fromkeys(years[2:], RESPONSES_PER_YEAR)
    after = sqlite_tables(store_path(var_dir))
    for table, rows in before.items():
        if table in DELETED_TABLES or table == "audit_events":
            continue
        assert after[table] == rows, f"{table} changed"
    kept_seqs = {row[0] for row in after["responses"]}
    assert {row[0] for row in after["answers"]} == kept_seqs
    assert len(after["answers"]) == sum(
        1 for row in before["answers"] if row[0] in kept_seqs
    )
    [event] = audit_events(var_dir)
    action, object_type, object_id, detail_json = event
    assert (action, object_type, object_id) == (
        "responses_deleted",
        "responses",
        f"before {years[2]}",
    )
    detail = json.loads(detail_json)
    assert detail["responses"] == 2 * RESPONSES_PER_YEAR
    assert detail["responses_by_academic_year"] == dict.fromkeys(
        years[:2], RESPONSES_PER_YEAR
    )
    assert detail["keep_years"] == 2


def test_confirm_overwrites_deleted_rows(five_years):
    var_dir, years = five_years
    deleted = stored_ids(var_dir, academic_years=years[:2])

    flask_command(var_dir, "delete-old-responses", "--keep-years", "2", "--confirm")

    assert files_containing(var_dir, deleted) == []


def test_confirm_twice_deletes_once(five_years):
    var_dir, _ = five_years
    flask_command(var_dir, "delete-old-responses", "--keep-years", "3", "--confirm")

    again = flask_command(
        var_dir, "delete-old-responses", "--keep-years", "3", "--confirm"
    )

    assert again.returncode == 0, again.stderr
    assert "No responses are older than" in again.stdout
    assert len(audit_events(var_dir)) == 1


def test_keep_years_rejects_negative(five_years):
    var_dir, _ = five_years

    result = flask_command(var_dir, "delete-old-responses", "--keep-years", "-1")

    assert result.returncode == 2
    assert "--keep-years" in result.stderr


def test_plan_rejects_negative_years(five_years):
    var_dir, _ = five_years
    app = make_app(var_dir)
    with app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(OperationError, match="give 0 or more years"):
            plan_retention(session, -1)
    app.extensions["db_engine"].dispose()


@pytest.mark.slow
@pytest.mark.dbt
@pytest.mark.timeout(1800)
def test_next_pipeline_run_removes_deleted(five_years):
    var_dir, years = five_years
    publish_without_dbt(var_dir, run_id=1)
    publish_without_dbt(var_dir, run_id=2)
    previous = warehouse_dir(var_dir) / "previous"
    assert list(previous.iterdir()), "no earlier publication to prune"
    published_before = file_sha256(published_path(var_dir))
    deleted = stored_ids(var_dir, academic_years=years[:2])
    flask_command(var_dir, "delete-old-responses", "--keep-years", "2", "--confirm")
    kept = set(stored_ids(var_dir))

    assert file_sha256(published_path(var_dir)) == published_before

    result = run_pipeline(var_dir)

    check_published(result)
    assert f"{2 * RESPONSES_PER_YEAR} removed" in result.output
    assert raw_response_ids(var_dir) == kept
    published = published_path(var_dir)
    published_ids = query_file(published, "select response_id from raw.responses")
    assert {row[0] for row in published_ids} == kept
    counts = query_file(
        published,
        "select academic_year, n_responses, is_suppressed "
        "from marts.response_counts join marts.schools using (school_id) "
        f"where school_name = '{SCHOOL}' and stakeholder_group = '{GROUP}' "
        "and key_stage = 'all' order by academic_year",
    )
    assert counts[:2] == [(year, None, True) for year in years[:2]]
    assert counts[2:] == [(year, RESPONSES_PER_YEAR, False) for year in years[2:]]
    assert list(previous.iterdir()) == []
    # Logs and validation reports are left to the operator.
    assert [
        path
        for path in files_containing(var_dir, deleted)
        if not path.startswith(("warehouse/logs/", "warehouse/reports/"))
    ] == []


def stored_ids(var_dir, academic_years: list[str] | None = None) -> list[str]:
    """Return the stored response ids, of the given academic years if any."""
    with read_only(store_path(var_dir)) as connection:
        rows = connection.execute(
            "select response_id, academic_year from responses "
            "join survey_windows using (window_id)"
        ).fetchall()
    return [
        response_id
        for response_id, academic_year in rows
        if academic_years is None or academic_year in academic_years
    ]


def files_containing(var_dir, response_ids: list[str]) -> list[str]:
    """Return the files under var_dir whose bytes contain any of the ids."""
    needles = [response_id.encode() for response_id in response_ids]
    assert needles, "no response ids to look for"
    found = []
    for path in sorted(var_dir.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(str(path.relative_to(var_dir)))
    return found
