"""The borough dashboard: every school's figures, the borough's, and their trends.

Borough and admin users only; a school user gets 403. The filters are a GET
form, so the page works without JavaScript and every view has its own URL.
"""

from contextlib import contextmanager

import duckdb
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import borough as queries
from ..auth import login_required
from ..borough_charts import TrendPoint, trend_chart
from ..exports import Column, send_export
from ..report import format_date
from ..results import (
    GROUP_TITLES,
    figure_summary,
    format_interval,
    format_london_time,
    format_percent,
    format_whole,
    hidden_text,
    published_at,
)
from ..warehouse import get_warehouse

bp = Blueprint("borough", __name__, url_prefix="/borough")

BOROUGH_ROLES = ("borough", "admin")
# Reflected back in a message, so cut to a length a real value never passes.
MAX_SHOWN_LENGTH = 20


@bp.get("")
@login_required(*BOROUGH_ROLES)
def dashboard():
    with _published_cursor() as cursor:
        if cursor is None:
            return render_template("borough/no-results.html")
        filters = _chosen_filters(cursor)
        if filters is None:
            return render_template("borough/no-results.html")
        if filters.needs_redirect:
            for problem in filters.problems:
                flash(problem)
            return redirect(url_for(".dashboard", **filters.page_query))
        year, group, phase = filters.year, filters.group, filters.phase

        settings = queries.published_settings(cursor)
        component_list = queries.components(cursor, year)
        groups = queries.stakeholder_groups(cursor, year)
        surveyed_groups = queries.surveyed_groups(cursor, year, phase)
        provisional_years = queries.provisional_years(cursor)
        scores = queries.borough_scores(cursor, year, phase)
        changes = queries.changes(cursor, year, group, phase)
        schools = queries.school_heat_map(cursor, year, group, phase, filters.page)
        school_responses, borough_responses = queries.response_rates(
            cursor, year, group, phase, filters.page
        )
        trend_years, trend_figures = queries.trends(cursor, group, phase)
        published = published_at(cursor)

    return render_template(
        "borough/dashboard.html",
        filters=filters,
        year=year,
        group=group,
        phase=phase,
        settings=settings,
        components=component_list,
        groups=groups,
        surveyed_groups=surveyed_groups,
        provisional_years=provisional_years,
        scores=scores,
        changes=changes,
        schools=schools,
        school_responses=school_responses,
        borough_responses=borough_responses,
        trend_years=trend_years,
        trend_figures=trend_figures,
        trend_charts=_trend_charts(component_list, trend_years, trend_figures),
        published_at=published,
        export_links=_export_links(filters.query),
        pagination=_pagination(filters),
        schools_per_page=queries.SCHOOLS_PER_PAGE,
        year_items=_select_items(filters.years, year),
        group_items=_select_items(groups, group, queries.group_title),
        phase_items=_select_items(
            queries.PHASES, phase, queries.PHASE_TITLES.__getitem__
        ),
    )


@bp.get("/export/<table>.<export_format>")
@login_required(*BOROUGH_ROLES)
def export(table, export_format):
    """Send one table of the dashboard as CSV, Excel or Parquet."""
    if table not in EXPORTS or export_format not in ("csv", "xlsx", "parquet"):
        abort(404)
    with _published_cursor() as cursor:
        if cursor is None:
            abort(404)
        filters = _chosen_filters(cursor)
        if filters is None:
            abort(404)
        if filters.needs_redirect:
            # Like the dashboard: name each value that is not offered, and
            # show the corrected page, whose download links work. One message,
            # because each banner of the layout has the same id.
            problems = " ".join(f"{problem}." for problem in filters.problems)
            flash(f"Nothing was downloaded. {problems} Download again from this page")
            return redirect(url_for(".dashboard", **filters.query))
        settings = queries.published_settings(cursor)
        columns, read_rows, name = EXPORTS[table]
        rows = read_rows(cursor, filters)

    current_app.logger.info(
        "Borough export", extra={"table": table, "format": export_format}
    )
    return send_export(
        rows,
        columns,
        export_format,
        f"borough-{name}-{'-'.join(filters.query.values())}",
        disclosure_threshold=settings.disclosure_threshold,
    )


@bp.get("/borough.css")
def stylesheet():
    """Serve the heat map's cell shading: the CSP allows no inline styles."""
    css = render_template("borough/borough.css")
    return Response(css, mimetype="text/css", headers={"Cache-Control": "max-age=3600"})


# Filters


class Filters:
    """The year, group and phase a page shows, and the choices offered."""

    def __init__(
        self, years, groups, year, group, phase, problems, page=1, n_schools=0
    ):
        self.years = years
        self.groups = groups
        self.year = year
        self.group = group
        self.phase = phase
        # Messages naming each value asked for that is not offered.
        self.problems = problems
        # The page of the school tables, and the schools they list in all.
        self.page = page
        self.n_schools = n_schools
        self.pages = queries.page_count(n_schools)

    @property
    def needs_redirect(self) -> bool:
        return bool(self.problems)

    @property
    def query(self) -> dict[str, str]:
        """Return the year, group and phase as URL parameters, without the page.

        The downloads and the filter form start from these, because a
        download contains every school and a new filter starts at page 1.
        """
        return {"year": self.year, "group": self.group, "phase": self.phase}

    @property
    def page_query(self) -> dict[str, str]:
        if self.page == 1:
            return self.query
        return {**self.query, "page": str(self.page)}

    @property
    def previous_year(self) -> str | None:
        start = int(self.year[:4]) - 1
        label = f"{start}/{(start + 1) % 100:02d}"
        return label if label in self.years else None


def _chosen_filters(cursor) -> Filters | None:
    """Return the filters asked for, or None when there are no borough figures.

    A value that is not offered is replaced by the default, and problems
    gets a message naming it. The dashboard then shows the messages and
    sends the browser to the corrected URL.
    """
    years = queries.academic_years(cursor)
    if not years:
        return None
    problems = []

    year = request.args.get("year") or years[0]
    if year not in years:
        problems.append(
            f"There are no borough results for ‘{year[:MAX_SHOWN_LENGTH]}’, so "
            f"this page shows {years[0]}"
        )
        year = years[0]

    groups = queries.stakeholder_groups(cursor, year)
    group = request.args.get("group") or groups[0]
    if group not in groups:
        problems.append(
            f"There are no {year} results for the group "
            f"‘{group[:MAX_SHOWN_LENGTH]}’, so this page shows "
            f"{queries.group_phrase(groups[0])}"
        )
        group = groups[0]

    phase = request.args.get("phase") or "all"
    if phase not in queries.PHASES:
        problems.append(
            f"‘{phase[:MAX_SHOWN_LENGTH]}’ is not a phase, so this page shows all "
            "schools"
        )
        phase = "all"

    n_schools = queries.surveyed_school_count(cursor, year, group, phase)
    pages = queries.page_count(n_schools)
    page_text = request.args.get("page") or "1"
    page = int(page_text) if page_text.isascii() and page_text.isdigit() else 0
    if not 1 <= page <= pages:
        problems.append(
            f"There is no page ‘{page_text[:MAX_SHOWN_LENGTH]}’ of schools, so "
            "this page shows the first"
        )
        page = 1

    return Filters(years, groups, year, group, phase, problems, page, n_schools)


@contextmanager
def _published_cursor():
    """Yield a cursor on the published warehouse, or None before any borough figures.

    A warehouse published before the borough marts existed has no
    marts.borough_settings, and reads as no borough figures yet.
    """
    try:
        cursor = get_warehouse()
    except duckdb.Error:
        current_app.logger.exception("published warehouse could not be opened")
        abort(503)
    if cursor is None:
        yield None
        return
    with cursor:
        try:
            cursor.execute("select 1 from marts.borough_settings")
        except duckdb.CatalogException:
            yield None
            return
        yield cursor


# Page parts


def _pagination(filters: Filters) -> dict | None:
    """Return the govukPagination parameters of the school tables, or None.

    Pages are linked by number: the first, the last, and those next to the
    current one, with an ellipsis for each gap.
    """
    if filters.pages == 1:
        return None

    def href(page: int) -> str:
        return url_for(".dashboard", **filters.query, page=page, _anchor="schools")

    linked = sorted(
        {1, filters.pages, filters.page - 1, filters.page, filters.page + 1}
        & set(range(1, filters.pages + 1))
    )
    items = []
    for page in linked:
        if items and page > items[-1].get("number", 0) + 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": page, "href": href(page), "current": page == filters.page}
        )
    parameters = {"items": items}
    if filters.page > 1:
        parameters["previous"] = {"href": href(filters.page - 1)}
    if filters.page < filters.pages:
        parameters["next"] = {"href": href(filters.page + 1)}
    return parameters


def _select_items(values, chosen: str, title=str) -> list[dict]:
    return [
        {"value": value, "text": title(value), "selected": value == chosen}
        for value in values
    ]


def _trend_charts(component_list, years, figures) -> dict:
    """Return each component's trend chart over every year in the warehouse."""
    charts = {}
    for component_id, title in component_list:
        by_year = figures.get(component_id, {})
        points = []
        for year in years:
            figure = by_year.get(year, queries.NO_FIGURE)
            if figure.is_suppressed:
                points.append(TrendPoint(year, None))
            else:
                points.append(
                    TrendPoint(
                        year,
                        figure.score,
                        figure.ci_lower,
                        figure.ci_upper,
                        value_text=format_whole(figure.score),
                    )
                )
        charts[component_id] = trend_chart(
            points,
            chart_id=f"trend-{component_id}",
            title=f"{component_id} {title}: borough score by year",
            description=(
                "One dot per academic year at the borough score from 0 to 100, "
                "with a line across its 95% interval. Hidden years have no dot. "
                "The table below gives the same figures."
            ),
        )
    return charts


def _export_links(query: dict[str, str]) -> dict[str, list[dict]]:
    """Return the CSV, Excel and Parquet links of each exported table."""
    return {
        table: [
            {
                "text": text,
                "href": url_for(
                    ".export", table=table, export_format=export_format, **query
                ),
            }
            for export_format, text in (
                ("csv", "CSV"),
                ("xlsx", "Excel"),
                ("parquet", "Parquet"),
            )
        ]
        for table in EXPORTS
    }


@bp.context_processor
def _wording():
    """Give the borough templates the shared wording of figures."""
    return {
        "figure_summary": figure_summary,
        "format_interval": format_interval,
        "format_date": format_date,
        "format_percent": format_percent,
        "format_whole": format_whole,
        "format_change": queries.format_change,
        "format_london_time": format_london_time,
        "no_figure": queries.NO_FIGURE,
        "borough_hidden_text": queries.borough_hidden_text,
        "school_hidden_text": _school_hidden_text,
        "group_title": queries.group_title,
        "group_phrase": queries.group_phrase,
        "phase_titles": queries.PHASE_TITLES,
        "score_band": queries.score_band,
        "score_bands": queries.SCORE_BANDS,
    }


def _school_hidden_text(figure, settings: queries.Settings) -> str:
    """Return the words shown in place of a school's hidden figure on this page."""
    if figure.suppression_reason == "complementary":
        return queries.complementary_text(settings)
    return hidden_text(figure, settings.disclosure_threshold)


# Exports: each table's columns, how its rows are read, and its file name.

# Exports write the titles the dashboard shows in place of codes.
_PHASE = Column("phase", "Schools", titles=queries.PHASE_TITLES)
_GROUP = Column("stakeholder_group", "Group", titles=GROUP_TITLES)
CHANGE_STATUS_TITLES = {
    "compared": "Compared",
    "suppressed": "Hidden",
    "not_comparable": "Not comparable: no question was asked the same way in "
    "both years",
    "no_previous_year": "No figures to compare for the year before",
}

_FIGURE_COLUMNS = (
    Column("n_respondents", "Respondents", "integer"),
    Column("score", "Score (0 to 100)", "decimal"),
    Column("ci_lower", "95% interval, lower", "decimal"),
    Column("ci_upper", "95% interval, upper", "decimal"),
    Column("pct_positive", "Positive answers", "percent"),
)

EXPORTS = {
    "scores": (
        (
            Column("academic_year", "Academic year"),
            _PHASE,
            _GROUP,
            Column("component_id", "Component"),
            Column("component_title", "Component title"),
            Column("n_schools", "Schools counted", "integer"),
            *_FIGURE_COLUMNS,
        ),
        lambda cursor, filters: queries.borough_score_rows(
            cursor, filters.year, filters.phase
        ),
        "scores",
    ),
    "changes": (
        (
            Column("academic_year", "Academic year"),
            Column("previous_academic_year", "Compared with"),
            _PHASE,
            _GROUP,
            Column("component_id", "Component"),
            Column("component_title", "Component title"),
            Column("change_status", "Status", titles=CHANGE_STATUS_TITLES),
            Column("n_questions_compared", "Questions compared", "integer", 0, False),
            Column("n_questions_total", "Questions asked", "integer", 0, False),
            Column("n_respondents_previous", "Respondents, year before", "integer"),
            Column("n_respondents", "Respondents", "integer"),
            Column(
                "score_previous_compared",
                "Score of the year before on the compared questions",
                "decimal",
            ),
            Column("score_compared", "Score on the compared questions", "decimal"),
            Column("score_change", "Change of score", "decimal"),
            Column("change_ci_lower", "95% interval, lower", "decimal"),
            Column("change_ci_upper", "95% interval, upper", "decimal"),
            Column("is_significant", "Interval excludes zero"),
        ),
        lambda cursor, filters: queries.change_rows(
            cursor, filters.year, filters.group, filters.phase
        ),
        "changes",
    ),
    "schools": (
        (
            Column("school_name", "School"),
            Column("phase", "Phase", titles=queries.PHASE_TITLES),
            Column("academic_year", "Academic year"),
            _GROUP,
            Column("component_id", "Component"),
            Column("component_title", "Component title"),
            *_FIGURE_COLUMNS,
        ),
        lambda cursor, filters: queries.school_heat_map_rows(
            cursor, filters.year, filters.group, filters.phase
        ),
        "schools",
    ),
    "trends": (
        (
            Column("component_id", "Component"),
            Column("component_title", "Component title"),
            Column("academic_year", "Academic year"),
            _PHASE,
            _GROUP,
            Column("n_schools", "Schools counted", "integer"),
            *_FIGURE_COLUMNS,
        ),
        lambda cursor, filters: queries.trend_rows(
            cursor, filters.group, filters.phase
        ),
        "trends",
    ),
    "response-rates": (
        (
            Column("name", "School"),
            Column("academic_year", "Academic year"),
            _GROUP,
            Column("n_responses", "Responses", "integer"),
            Column("n_excluded", "Flagged, left out of scores", "integer"),
            Column("number_on_roll", "Number on roll", "integer", 0, False),
            Column("response_rate", "Response rate", "percent"),
            Column("has_responses", "Any responses", "text", 0, False),
            Column(
                "n_schools_with_roll", "Schools with a known roll", "integer", 0, False
            ),
            Column(
                "response_rate_known_roll",
                "Response rate of schools with a known roll",
                "percent",
            ),
        ),
        lambda cursor, filters: queries.response_rate_rows(
            cursor, filters.year, filters.group, filters.phase
        ),
        "response-rates",
    ),
}
