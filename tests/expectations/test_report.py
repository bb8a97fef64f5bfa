"""The HTML and JSON report that validate_warehouse writes for each run."""

import json
from html.parser import HTMLParser

from expectations import validate_warehouse


class _PageParser(HTMLParser):
    """Collect the title, element ids, links and any script of a page."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        if tag == "link" and "href" in attributes:
            self.links.append(attributes["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_report_files_written(make_warehouse, report_dir):
    outcome = validate_warehouse(make_warehouse(), report_dir, 17)

    assert outcome.report_path == report_dir / "run-17.html"
    assert sorted(path.name for path in report_dir.iterdir()) == [
        "latest.html",
        "latest.json",
        "run-17.html",
        "run-17.json",
    ]
    assert (report_dir / "latest.html").read_bytes() == (
        outcome.report_path.read_bytes()
    )
    assert (report_dir / "latest.json").read_bytes() == (
        (report_dir / "run-17.json").read_bytes()
    )


def test_passing_report_lists_every_suite(make_warehouse, report_dir):
    outcome = validate_warehouse(make_warehouse(), report_dir, 17)

    page = _parse(outcome.report_path)
    text = outcome.report_path.read_text(encoding="utf-8")
    assert page.title == "Warehouse validation, run 17: passed"
    assert len(page.ids) == len(set(page.ids))
    assert "script" not in page.tags
    assert all(link.startswith("#") for link in page.links)
    for suite in outcome.suites:
        assert suite.name in page.ids
        assert f"#{suite.name}" in page.links
    assert "this warehouse may be published" in text
    assert "ExpectColumnValuesToBeBetween(score, 0..100)" in text
    assert "Every answer value is at least 1" in text


def test_failing_report_lists_failures(make_warehouse, report_dir):
    database = make_warehouse(
        "update marts.component_indicators set score = 104.5"
        " where key_stage = 'all' and component_id = 'C1'"
    )

    outcome = validate_warehouse(database, report_dir, 18)

    page = _parse(outcome.report_path)
    text = outcome.report_path.read_text(encoding="utf-8")
    assert page.title == "Warehouse validation, run 18: failed"
    assert "failures" in page.ids
    assert "this warehouse must not be published" in text
    assert "key_stage=all component_id=C1 (score=104.5)" in text


def test_report_escapes_data(make_warehouse, report_dir):
    database = make_warehouse(
        "update marts.response_counts set stakeholder_group ="
        " '<script>alert(1)</script>' where stakeholder_group = 'parent'"
    )

    outcome = validate_warehouse(database, report_dir, 19)

    page = _parse(outcome.report_path)
    text = outcome.report_path.read_text(encoding="utf-8")
    assert outcome.success is False
    assert "script" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_json_report_matches_outcome(make_warehouse, report_dir):
    database = make_warehouse(
        "update raw.answers set value = 4 where response_seq = 1",
        "update marts.response_counts set response_rate = 120.0"
        " where stakeholder_group = 'parent'",
    )

    outcome = validate_warehouse(database, report_dir, "2024-12-01.1")

    document = json.loads((report_dir / "run-2024-12-01.1.json").read_text())
    assert document["run_id"] == "2024-12-01.1"
    assert document["database"] == str(database)
    assert document["success"] is False
    assert document["failures"] == outcome.failures
    assert document["warnings"] == outcome.warnings
    assert [suite["name"] for suite in document["suites"]] == [
        suite.name for suite in outcome.suites
    ]
    answers = document["suites"][0]
    assert answers["name"] == "raw.answers.critical"
    assert answers["success"] is False
    failed = [
        expectation
        for expectation in answers["expectations"]
        if not expectation["success"]
    ]
    assert [expectation["failing_rows"] for expectation in failed] == [
        ["response_seq=1 question_id=pri-P1.4-a (scale_points=3, value=4)"]
    ]


def test_latest_report_follows_newest_run(make_warehouse, report_dir):
    good = make_warehouse(name="good.duckdb")
    bad = make_warehouse(
        "update marts.settings set disclosure_threshold = 3", name="bad.duckdb"
    )

    validate_warehouse(good, report_dir, 1)
    validate_warehouse(bad, report_dir, 2)

    assert "run 2: failed" in _parse(report_dir / "latest.html").title
    assert "run 1: passed" in _parse(report_dir / "run-1.html").title
    assert not list(report_dir.glob(".*.tmp"))
