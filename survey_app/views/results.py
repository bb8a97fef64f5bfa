"""A school's results: figures per component and group, drill-down, updates.

A school user sees only their own school; borough and admin users choose a
school. Every page takes the school id from the signed-in user or from the
URL and passes it to require_school_access before any query. A school user
who asks for another school's id, in the path or in the query string, gets
404.
"""

import base64
import hashlib
import re
from contextlib import contextmanager

import duckdb
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from pipeline.settings import PipelineSettings

from .. import results as queries
from ..auth import login_required, require_school_access
from ..charts import Point, PointGroup, interval_chart
from ..db import get_db
from ..exports import FORMATS, send_export
from ..exports import Column as ExportColumn
from ..forms import UpdateResultsForm
from ..models import School, utc_now
from ..pipeline_runner import latest_runs, start_pipeline_run
from ..results import figure_summary, hidden_text
from ..warehouse import get_warehouse

bp = Blueprint("results", __name__)

FORM_EXPIRED = "This page expired, so nothing was sent. Try again"
# Reflected back in a message, so cut to the length of a real year label.
MAX_YEAR_LENGTH = 7
TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The content of each <style> element of the validation report, whose hash
# its Content Security Policy allows.
STYLE_ELEMENT = re.compile(rb"<style[^>]*>(.*?)</style>", re.S | re.I)


@bp.get("/results")
@login_required()
def index():
    school_id = _school_from_query()
    if school_id is None:
        return _render_school_choice()
    return _render_school_results(school_id)


@bp.get("/schools/<int:school_id>/results")
@login_required()
def school(school_id):
    require_school_access(school_id)
    return _render_school_results(school_id)


@bp.get("/results/components/<component_id>")
@login_required()
def component(component_id):
    school_id = _school_from_query()
    if school_id is None:
        return redirect(url_for("results.index"))
    return _render_component(school_id, component_id)


@bp.get("/schools/<int:school_id>/results/components/<component_id>")
@login_required()
def school_component(school_id, component_id):
    require_school_access(school_id)
    return _render_component(school_id, component_id)


@bp.post("/results/update")
@login_required("school", "borough", "admin")
def update():
    school_id = _school_from_query()
    back = (
        _results_url(school_id, year=request.args.get("year"))
        if school_id is not None
        else url_for("results.index")
    )
    form = UpdateResultsForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED)
        return redirect(back)

    pressed_at = utc_now()
    run = start_pipeline_run(current_app, g.user.user_id)
    current_app.logger.info(
        "Pipeline run requested", extra={"user_id": g.user.user_id, "run": run.run_id}
    )
    if run.requested_at < pressed_at:
        # A run that was already queued or running may have read the store
        # before the latest changes, so say so rather than claim a new update.
        flash(
            "An update is already running. Changes made since it started are "
            "included only by the next update: press Update results again "
            "when this one has finished."
        )
    else:
        flash(
            "The results are being updated. This usually takes a minute or two: "
            "reload this page to see when it has finished."
        )
    return redirect(back)


@bp.get("/results/validation-report")
@login_required("borough", "admin")
def validation_report():
    """Serve the latest validation report, pass or fail, to borough and admin users.

    The report names failing rows by their keys and values across every
    school, which can include figures of cells that publication would hide,
    so school users do not get it.
    """
    path = PipelineSettings.from_config(current_app.config).reports_dir
    report = path / "latest.html"
    if not report.is_file():
        abort(404)

    # Read whole: the pipeline may replace the file while it is being sent.
    html = report.read_bytes()
    response = Response(html, mimetype="text/html")
    # The report is one self-contained page with its own <style> block: allow
    # exactly that block by its hash, and nothing else, with no scripts at all.
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {_style_hashes(html)}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
    )
    return response


def _style_hashes(html: bytes) -> str:
    """Return CSP hash sources of the page's <style> elements, or 'none'."""
    digests = [
        base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        for match in STYLE_ELEMENT.finditer(html)
    ]
    return " ".join(f"'sha256-{digest}'" for digest in digests) or "'none'"


@bp.get("/schools/<int:school_id>/results/export/<table>.<export_format>")
@login_required()
def export(school_id, table, export_format):
    """Send a table of the school's results page as CSV, Excel or Parquet."""
    require_school_access(school_id)
    if table not in EXPORT_COLUMNS or export_format not in FORMATS:
        abort(404)
    year = request.args.get("year", "")
    with _published_cursor() as cursor:
        if cursor is None:
            abort(404)
        if year not in queries.academic_years(cursor, school_id):
            # Name the year, as the results page does, and show that page,
            # whose download links work.
            reason = (
                f"there are no results for ‘{year[:MAX_YEAR_LENGTH]}’"
                if year
                else "the download link names no year"
            )
            flash(
                f"Nothing was downloaded, because {reason}. Choose a year and "
                "download again from this page"
            )
            return redirect(_results_url(school_id))
        results = queries.school_results(cursor, school_id, year)
        settings = queries.published_settings(cursor)
    if results is None:
        abort(404)

    rows = (
        _component_export_rows(results)
        if table == "components"
        else _response_export_rows(results)
    )
    return send_export(
        rows,
        EXPORT_COLUMNS[table],
        export_format,
        f"{results.school.name}-{year}-{table}",
        disclosure_threshold=settings.disclosure_threshold,
    )


def _school_from_query() -> int | None:
    """Return the school a request is about, checking the user may see it.

    A school user's own school is the default; ?school= names another only
    for borough and admin users, and anything else is a 404.
    """
    requested = request.args.get("school")
    if requested is None or requested == "":
        if g.user.role == "school":
            return g.user.school_id
        return None
    if not requested.isdecimal() or len(requested) > 9:
        abort(404)
    school_id = int(requested)
    require_school_access(school_id)
    return school_id


def _results_url(school_id: int, component_id: str | None = None, **query) -> str:
    """Return the URL of a results page, in the form the user's role uses."""
    query = {key: value for key, value in query.items() if value}
    if g.user.role == "school":
        if component_id:
            return url_for("results.component", component_id=component_id, **query)
        return url_for("results.index", **query)
    if component_id:
        return url_for(
            "results.school_component",
            school_id=school_id,
            component_id=component_id,
            **query,
        )
    return url_for("results.school", school_id=school_id, **query)


@contextmanager
def _published_cursor():
    """Yield a read-only cursor on the published warehouse, or None before any."""
    try:
        cursor = get_warehouse()
    except duckdb.Error:
        current_app.logger.exception("published warehouse could not be opened")
        abort(503)
    if cursor is None:
        yield None
        return
    with cursor:
        yield cursor


def _store_school_name(school_id: int) -> str | None:
    return get_db().scalar(select(School.name).where(School.school_id == school_id))


def _render_school_choice():
    schools = get_db().execute(
        select(School.school_id, School.name).order_by(School.name)
    )
    return render_template(
        "results/choose-school.html",
        schools=[
            {"name": name, "url": url_for("results.school", school_id=school_id)}
            for school_id, name in schools
        ],
    )


def _render_no_results(school_id: int, school_name: str | None):
    if school_name is None:
        abort(404)
    return render_template(
        "results/no-results.html",
        school_name=school_name,
        **_update_panel(school_id, None),
    )


def _chosen_year(years: list[str], default: str) -> str | None:
    """Return the year asked for, or None after flashing why it cannot be shown."""
    requested = request.args.get("year")
    if not requested:
        return default
    if requested in years:
        return requested
    flash(
        f"There are no results for ‘{requested[:MAX_YEAR_LENGTH]}’, so this page "
        f"shows {default}"
    )
    return None


def _render_school_results(school_id: int):
    with _published_cursor() as cursor:
        if cursor is None:
            return _render_no_results(school_id, _store_school_name(school_id))
        years = queries.academic_years(cursor, school_id)
        school = queries.find_school(cursor, school_id)
        if not years or school is None:
            return _render_no_results(
                school_id, school.name if school else _store_school_name(school_id)
            )
        default = queries.default_academic_year(cursor, school_id)
        year = _chosen_year(years, default)
        if year is None:
            return redirect(_results_url(school_id))
        results = queries.school_results(cursor, school_id, year)
        settings = queries.published_settings(cursor)
        published = queries.published_at(cursor)

    threshold = settings.disclosure_threshold
    chart = interval_chart(
        [
            PointGroup(
                heading=f"{row.row_id} {row.title}",
                points=_chart_points(results.groups, row, threshold),
            )
            for row in results.components
        ],
        chart_id="components-chart",
        title=f"Component scores by group, {school.name}, {year}",
        description=(
            "For each component, one dot per group at its score from 0 to 100, "
            "with a line across its 95% interval. Groups with too few responses "
            "have no dot. The table below gives the same figures."
        ),
    )
    return render_template(
        "results/school.html",
        results=results,
        years=years,
        year=year,
        threshold=threshold,
        excluded_quality_flags=settings.excluded_quality_flags,
        chart=chart,
        published_at=published,
        component_urls={
            row.row_id: _results_url(school_id, row.row_id, year=year)
            for row in results.components
        },
        year_form_action=_results_url(school_id),
        export_links=_export_links(school_id, year),
        year_items=[
            {"value": option, "text": option, "selected": option == year}
            for option in years
        ],
        **_update_panel(school_id, year),
    )


def _render_component(school_id: int, component_id: str):
    with _published_cursor() as cursor:
        if cursor is None:
            return _render_no_results(school_id, _store_school_name(school_id))
        years = queries.academic_years(cursor, school_id)
        if not years:
            return _render_no_results(school_id, _store_school_name(school_id))
        default = queries.default_academic_year(cursor, school_id)
        year = _chosen_year(years, default)
        if year is None:
            return redirect(_results_url(school_id, component_id))
        detail = queries.component_results(cursor, school_id, year, component_id)
        if detail is None:
            abort(404)
        settings = queries.published_settings(cursor)
        published = queries.published_at(cursor)

    threshold = settings.disclosure_threshold
    chart = interval_chart(
        [
            PointGroup(
                heading=_shorten(f"{row.row_id} {row.title}"),
                points=_chart_points(detail.groups, row, threshold),
            )
            for row in detail.practices
        ],
        chart_id="practices-chart",
        title=f"Practice scores by group, {detail.component_id} {detail.title}",
        description=(
            "For each practice of this component, one dot per group at its score "
            "from 0 to 100, with a line across its 95% interval. Groups with too "
            "few responses, or not asked about the practice, have no dot. The "
            "tables below give the same figures."
        ),
    )
    return render_template(
        "results/component.html",
        detail=detail,
        year=year,
        threshold=threshold,
        chart=chart,
        published_at=published,
        results_url=_results_url(school_id, year=year),
    )


def _chart_points(columns, row, threshold: int) -> list[Point]:
    points = []
    for column in columns:
        figure = row.figures.get(column.column_id)
        if figure is None:
            points.append(
                Point(column.title, None, missing_text="Not asked of this group")
            )
        elif figure.is_suppressed:
            points.append(
                Point(column.title, None, missing_text=hidden_text(figure, threshold))
            )
        else:
            points.append(
                Point(
                    column.title,
                    figure.score,
                    figure.ci_lower,
                    figure.ci_upper,
                    value_text=figure_summary(figure),
                )
            )
    return points


def _shorten(text: str, limit: int = 80) -> str:
    """Cut a chart heading to one line; the table beside it has the whole text."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _update_panel(school_id: int, year: str | None) -> dict:
    """Return the newest pipeline run and the form of the Update results button."""
    runs = latest_runs(get_db(), limit=1)
    newest_run = runs[0] if runs else None
    return {
        "newest_run": newest_run,
        "run_message": _plain_text(newest_run.message if newest_run else None),
        "update_form": UpdateResultsForm(),
        "update_action": url_for(
            "results.update",
            school=school_id if g.user.role != "school" else None,
            year=year,
        ),
        # Run messages and the validation report can name other schools'
        # rows, so only users who see every school get them.
        "show_run_message": g.user.role in ("borough", "admin"),
    }


def _plain_text(message: str | None) -> str | None:
    """Drop terminal colour codes, which dbt's messages can carry."""
    if message is None:
        return None
    return TERMINAL_ESCAPE.sub("", message)


# Exports of the school results page's tables. Every cell the page shows
# is a row, hidden ones included, so a file cannot tell none from a few.
EXPORT_COLUMNS = {
    "components": (
        ExportColumn("academic_year", "Academic year"),
        ExportColumn("component_id", "Component"),
        ExportColumn("component_title", "Component title"),
        ExportColumn("stakeholder_group", "Group", titles=queries.GROUP_TITLES),
        ExportColumn("n_respondents", "Respondents", "integer"),
        ExportColumn("score", "Score (0 to 100)", "decimal"),
        ExportColumn("ci_lower", "95% interval, lower", "decimal"),
        ExportColumn("ci_upper", "95% interval, upper", "decimal"),
        ExportColumn("pct_positive", "Positive answers", "percent"),
    ),
    "responses": (
        ExportColumn("academic_year", "Academic year"),
        ExportColumn("stakeholder_group", "Group", titles=queries.GROUP_TITLES),
        ExportColumn("n_responses", "Responses", "integer"),
        ExportColumn("n_excluded", "Left out by quality checks", "integer"),
        ExportColumn("number_on_roll", "Number on roll", "integer", 0, False),
        ExportColumn("response_rate", "Response rate", "percent"),
    ),
}


def _component_export_rows(results) -> list[dict]:
    return [
        {
            "academic_year": results.academic_year,
            "component_id": row.row_id,
            "component_title": row.title,
            "stakeholder_group": group.column_id,
            "n_respondents": figure.n_respondents,
            "score": figure.score,
            "ci_lower": figure.ci_lower,
            "ci_upper": figure.ci_upper,
            "pct_positive": figure.pct_positive,
            "is_suppressed": figure.is_suppressed,
            "suppression_reason": figure.suppression_reason,
        }
        for row in results.components
        for group in results.groups
        if (figure := row.figures.get(group.column_id)) is not None
    ]


def _response_export_rows(results) -> list[dict]:
    return [
        {
            "academic_year": results.academic_year,
            "stakeholder_group": count.stakeholder_group,
            "n_responses": count.n_responses,
            "n_excluded": count.n_excluded,
            "number_on_roll": count.number_on_roll,
            "response_rate": count.response_rate,
            "is_suppressed": count.is_suppressed,
        }
        for count in results.response_counts
    ]


def _export_links(school_id: int, year: str) -> dict[str, list[dict]]:
    """Return the CSV, Excel and Parquet links of each table on the page."""
    return {
        table: [
            {
                "text": text,
                "href": url_for(
                    "results.export",
                    school_id=school_id,
                    table=table,
                    export_format=export_format,
                    year=year,
                ),
            }
            for export_format, text in (
                ("csv", "CSV"),
                ("xlsx", "Excel"),
                ("parquet", "Parquet"),
            )
        ]
        for table in EXPORT_COLUMNS
    }


@bp.context_processor
def _wording():
    """Give the results templates the shared wording of figures."""
    return {
        "alpha_reading": queries.alpha_reading,
        "figure_summary": queries.figure_summary,
        "format_london_time": queries.format_london_time,
        "format_percent": queries.format_percent,
        "format_whole": queries.format_whole,
        "hidden_text": queries.hidden_text,
        "group_titles": queries.GROUP_TITLES,
        "HIDDEN": queries.HIDDEN,
    }
