"""Read the borough's published figures: across schools, by year, and their change.

For borough and admin users only; the views check the role before calling.
Borough figures come from the borough marts, which blank every figure of a
suppressed row, and each school's own figures from the school marts, as its
results pages show them. A school cell that nobody answered has no mart row
and comes back hidden, like a small one.

Each function returns what a page shows, and the matching *_rows function
returns the same table as rows for an export: mart columns, with
is_suppressed and suppression_reason, so the export can check that no
hidden figure leaks.
"""

from dataclasses import dataclass, field
from datetime import date

from .calendar import london_today
from .models import STAKEHOLDER_GROUPS
from .results import GROUP_TITLES, HIDDEN, Figure

# The scope of a borough figure: every school, or the schools of one phase.
PHASE_TITLES = {
    "all": "All schools",
    "primary": "Primary schools",
    "secondary": "Secondary schools",
    "special": "Special schools",
    "all_through": "All-through schools",
}
PHASES = tuple(PHASE_TITLES)
# Schools in one page of the dashboard's school tables. A borough of 60
# schools fits on one page, and the downloads always hold every school.
SCHOOLS_PER_PAGE = 100
# Score bands of the heat map, as (lowest score, label); each cell also
# shows its number, so the shading is never the only cue.
SCORE_BANDS = ((0, "0 to 19"), (20, "20 to 39"), (40, "40 to 59"), (60, "60 to 79"))
SCORE_BANDS += ((80, "80 to 100"),)


@dataclass(frozen=True)
class Settings:
    disclosure_threshold: int
    minimum_schools: int


@dataclass(frozen=True)
class BoroughFigure:
    """A published borough figure; every figure is None when it is suppressed."""

    is_suppressed: bool
    suppression_reason: str | None = None
    n_schools: int | None = None
    n_respondents: int | None = None
    score: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    pct_positive: float | None = None


# A borough figure with no mart row: no respondent in any school of the scope.
NO_FIGURE = BoroughFigure(is_suppressed=True, suppression_reason="below_threshold")


@dataclass(frozen=True)
class Change:
    """The change of a borough figure since the year before.

    status is compared, suppressed, not_comparable (no question in common)
    or no_previous_year (no figure for the year before).
    """

    status: str
    previous_academic_year: str | None = None
    n_questions_compared: int = 0
    n_questions_total: int = 0
    is_partial: bool = False
    n_respondents_previous: int | None = None
    n_respondents: int | None = None
    score_change: float | None = None
    # Both years' scores on the compared questions; None where not published.
    score_previous_compared: float | None = None
    score_compared: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    is_significant: bool | None = None
    suppression_reason: str | None = None


NO_PREVIOUS_YEAR = Change(status="no_previous_year")


@dataclass(frozen=True)
class SchoolRow:
    """One school's own figures for each component, as its results show them."""

    school_id: int
    name: str
    phase: str
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseRow:
    """Responses and the response rate of a school, or of the borough."""

    name: str
    is_suppressed: bool
    suppression_reason: str | None
    n_responses: int | None
    n_excluded: int | None
    number_on_roll: int | None
    response_rate: float | None
    n_schools: int | None = None
    n_schools_surveyed: int | None = None
    # False only for a school with no response at all, which is shown as such.
    has_responses: bool = True
    # The borough's rate over the schools whose number on roll is known.
    n_schools_with_roll: int | None = None
    number_on_roll_known: int | None = None
    response_rate_known_roll: float | None = None


# Choices


def published_settings(cursor) -> Settings:
    """Return the disclosure threshold and the fewest schools of a borough figure."""
    row = cursor.execute(
        "select disclosure_threshold, minimum_schools from marts.borough_settings"
    ).fetchone()
    return Settings(disclosure_threshold=row[0], minimum_schools=row[1])


def academic_years(cursor) -> list[str]:
    """Return the academic years with borough figures, newest first."""
    rows = cursor.execute(
        "select distinct academic_year from marts.borough_indicators order by 1 desc"
    ).fetchall()
    return [row[0] for row in rows]


def stakeholder_groups(cursor, academic_year: str) -> list[str]:
    """Return the groups with borough figures in a year, in the usual order."""
    rows = cursor.execute(
        "select distinct stakeholder_group from marts.borough_indicators"
        " where academic_year = ?",
        [academic_year],
    ).fetchall()
    present = {row[0] for row in rows}
    return [group for group in STAKEHOLDER_GROUPS if group in present]


def components(cursor, academic_year: str) -> list[tuple[str, str]]:
    """Return (component_id, title) of the framework the year's windows use."""
    return cursor.execute(
        """
        select component_id, component_title from marts.components
        where framework_version = coalesce(
            (
                select max(framework_version) from marts.survey_windows
                where academic_year = ?
            ),
            (select max(framework_version) from marts.components)
        )
        order by component_position
        """,
        [academic_year],
    ).fetchall()


def surveyed_groups(cursor, academic_year: str, phase: str) -> set[str]:
    """Return the groups that at least one school of the phase surveyed in a year."""
    rows = cursor.execute(
        """
        select distinct counts.stakeholder_group
        from marts.response_counts as counts
        inner join marts.schools as schools
            on counts.school_id = schools.school_id
        where counts.academic_year = ? and counts.key_stage = 'all'
            and (? = 'all' or schools.phase = ?)
        """,
        [academic_year, phase, phase],
    ).fetchall()
    return {row[0] for row in rows}


def provisional_years(cursor, today: date | None = None) -> dict[str, date]:
    """Return each year with a survey window still open, and its last closing date.

    Such a year's figures change as responses arrive, so the page marks
    them provisional. today defaults to today's date in Europe/London.
    """
    rows = cursor.execute(
        """
        select academic_year, max(closes_on)
        from marts.survey_windows
        group by academic_year
        having max(closes_on) >= ?
        """,
        [today or london_today()],
    ).fetchall()
    return {row[0]: row[1] for row in rows}


# Borough figures


def borough_scores(
    cursor, academic_year: str, phase: str
) -> dict[tuple[str, str], BoroughFigure]:
    """Return each component's borough figure per group, keyed (component, group)."""
    rows = _select_dicts(
        cursor,
        """
        select * from marts.borough_indicators
        where academic_year = ? and phase = ? and indicator_level = 'component'
        """,
        [academic_year, phase],
    )
    return {
        (row["indicator_id"], row["stakeholder_group"]): _borough_figure(row)
        for row in rows
    }


def borough_score_rows(cursor, academic_year: str, phase: str) -> list[dict]:
    """Return the rows of borough_scores for an export, by group and component.

    A cell with no mart row is exported as suppressed, as the page shows it,
    so the file cannot tell a cell nobody answered from a small one.
    """
    scores = borough_scores(cursor, academic_year, phase)
    return [
        {
            "academic_year": academic_year,
            "phase": phase,
            "stakeholder_group": group,
            "component_id": component_id,
            "component_title": title,
            **_figure_columns(scores.get((component_id, group), NO_FIGURE)),
        }
        for group in stakeholder_groups(cursor, academic_year)
        for component_id, title in components(cursor, academic_year)
    ]


def changes(cursor, academic_year: str, group: str, phase: str) -> dict[str, Change]:
    """Return each component's change since the year before, for one group."""
    rows = _select_dicts(
        cursor,
        """
        select * from marts.borough_changes
        where academic_year = ? and stakeholder_group = ? and phase = ?
            and indicator_level = 'component'
        """,
        [academic_year, group, phase],
    )
    return {row["indicator_id"]: _change(row) for row in rows}


def change_rows(cursor, academic_year: str, group: str, phase: str) -> list[dict]:
    """Return the rows of changes for an export, by component.

    A component without a change row (no figure in either year) is exported
    with the status no_previous_year and no figures, as the page shows it.
    """
    by_component = changes(cursor, academic_year, group, phase)
    rows = []
    for component_id, title in components(cursor, academic_year):
        change = by_component.get(component_id, NO_PREVIOUS_YEAR)
        rows.append(
            {
                "academic_year": academic_year,
                "previous_academic_year": change.previous_academic_year,
                "phase": phase,
                "stakeholder_group": group,
                "component_id": component_id,
                "component_title": title,
                "change_status": change.status,
                "n_questions_compared": change.n_questions_compared,
                "n_questions_total": change.n_questions_total,
                "n_respondents_previous": change.n_respondents_previous,
                "n_respondents": change.n_respondents,
                "score_previous_compared": change.score_previous_compared,
                "score_compared": change.score_compared,
                "score_change": change.score_change,
                "change_ci_lower": change.ci_lower,
                "change_ci_upper": change.ci_upper,
                "is_significant": (
                    None
                    if change.is_significant is None
                    else ("yes" if change.is_significant else "no")
                ),
                "is_suppressed": change.status == "suppressed",
                "suppression_reason": change.suppression_reason,
            }
        )
    return rows


def trends(
    cursor, group: str, phase: str
) -> tuple[list[str], dict[str, dict[str, BoroughFigure]]]:
    """Return every year, oldest first, and each component's figure per year."""
    rows = _select_dicts(
        cursor,
        """
        select * from marts.borough_indicators
        where stakeholder_group = ? and phase = ? and indicator_level = 'component'
        order by academic_year
        """,
        [group, phase],
    )
    years = sorted({row["academic_year"] for row in rows})
    by_component: dict[str, dict[str, BoroughFigure]] = {}
    for row in rows:
        by_component.setdefault(row["indicator_id"], {})[row["academic_year"]] = (
            _borough_figure(row)
        )
    return years, by_component


def trend_rows(cursor, group: str, phase: str) -> list[dict]:
    """Return the rows of trends for an export, by component and year."""
    years, figures = trends(cursor, group, phase)
    if not years:
        return []
    return [
        {
            "component_id": component_id,
            "component_title": title,
            "academic_year": year,
            "phase": phase,
            "stakeholder_group": group,
            **_figure_columns(figures.get(component_id, {}).get(year, NO_FIGURE)),
        }
        for component_id, title in components(cursor, years[-1])
        for year in years
    ]


# Schools


def school_heat_map(
    cursor, academic_year: str, group: str, phase: str, page: int | None = None
) -> list[SchoolRow]:
    """Return each surveyed school of the phase with its component figures.

    A school is listed when it had a survey link for the group in the year,
    whether or not anyone answered, so a missing row cannot reveal an empty
    school. With a page number, only that page's schools are returned.
    """
    schools = _page_of(_surveyed_schools(cursor, academic_year, group, phase), page)
    cells = _select_dicts(
        cursor,
        """
        select * from marts.component_indicators
        where academic_year = ? and stakeholder_group = ? and key_stage = 'all'
            and school_id in (select unnest(?::bigint[]))
        """,
        [academic_year, group, [school["school_id"] for school in schools]],
    )
    figures = {(row["school_id"], row["component_id"]): row for row in cells}
    component_ids = [
        component_id for component_id, _ in components(cursor, academic_year)
    ]
    return [
        SchoolRow(
            school_id=school["school_id"],
            name=school["school_name"],
            phase=school["phase"],
            figures={
                component_id: _school_figure(
                    figures.get((school["school_id"], component_id))
                )
                for component_id in component_ids
            },
        )
        for school in schools
    ]


def school_heat_map_rows(
    cursor, academic_year: str, group: str, phase: str
) -> list[dict]:
    """Return the rows of school_heat_map for an export, by school and component."""
    titles = dict(components(cursor, academic_year))
    rows = []
    for school in school_heat_map(cursor, academic_year, group, phase):
        for component_id, figure in school.figures.items():
            rows.append(
                {
                    "school_name": school.name,
                    "phase": school.phase,
                    "academic_year": academic_year,
                    "stakeholder_group": group,
                    "component_id": component_id,
                    "component_title": titles.get(component_id, component_id),
                    "n_respondents": figure.n_respondents,
                    "score": figure.score,
                    "ci_lower": figure.ci_lower,
                    "ci_upper": figure.ci_upper,
                    "pct_positive": figure.pct_positive,
                    "is_suppressed": figure.is_suppressed,
                    "suppression_reason": figure.suppression_reason,
                }
            )
    return rows


def response_rates(
    cursor, academic_year: str, group: str, phase: str, page: int | None = None
) -> tuple[list[ResponseRow], ResponseRow]:
    """Return each surveyed school's responses and the borough total of the phase.

    With a page number, only that page's schools are returned; the total
    always counts every school.
    """
    schools = _page_of(_surveyed_schools(cursor, academic_year, group, phase), page)
    school_rows = [
        ResponseRow(
            name=school["school_name"],
            is_suppressed=school["is_suppressed"],
            suppression_reason=school["suppression_reason"],
            n_responses=school["n_responses"],
            n_excluded=school["n_excluded"],
            number_on_roll=school["number_on_roll"],
            response_rate=school["response_rate"],
            has_responses=school["has_responses"],
        )
        for school in schools
    ]
    total = _select_dicts(
        cursor,
        """
        select * from marts.borough_response_counts
        where academic_year = ? and stakeholder_group = ? and phase = ?
        """,
        [academic_year, group, phase],
    )
    if total:
        row = total[0]
        borough_row = ResponseRow(
            name=PHASE_TITLES[phase],
            is_suppressed=row["is_suppressed"],
            suppression_reason=row["suppression_reason"],
            n_responses=row["n_responses"],
            n_excluded=row["n_excluded"],
            number_on_roll=row["number_on_roll"],
            response_rate=row["response_rate"],
            n_schools=row["n_schools"],
            n_schools_surveyed=row["n_schools_surveyed"],
            n_schools_with_roll=row["n_schools_with_roll"],
            number_on_roll_known=row["number_on_roll_known"],
            response_rate_known_roll=row["response_rate_known_roll"],
        )
    else:
        borough_row = ResponseRow(
            name=PHASE_TITLES[phase],
            is_suppressed=True,
            suppression_reason="below_threshold",
            n_responses=None,
            n_excluded=None,
            number_on_roll=None,
            response_rate=None,
            n_schools_surveyed=0,
        )
    return school_rows, borough_row


def response_rate_rows(
    cursor, academic_year: str, group: str, phase: str
) -> list[dict]:
    """Return the rows of response_rates for an export, the borough total last."""
    school_rows, borough_row = response_rates(cursor, academic_year, group, phase)
    return [
        {
            "name": row.name,
            "academic_year": academic_year,
            "stakeholder_group": group,
            "n_responses": row.n_responses,
            "n_excluded": row.n_excluded,
            "number_on_roll": row.number_on_roll,
            "response_rate": row.response_rate,
            "has_responses": "yes" if row.has_responses else "no",
            "n_schools_with_roll": row.n_schools_with_roll,
            "response_rate_known_roll": row.response_rate_known_roll,
            "is_suppressed": row.is_suppressed,
            "suppression_reason": row.suppression_reason,
        }
        for row in [*school_rows, borough_row]
    ]


# Wording


def group_title(group: str) -> str:
    return GROUP_TITLES.get(group, group)


def group_phrase(group: str) -> str:
    """Return a group's title for use mid-sentence, like "pupils in Years 3 to 6".

    Only the first letter is lowered, so "Years" keeps its capital.
    """
    title = group_title(group)
    return title[:1].lower() + title[1:]


def borough_hidden_text(figure, settings: Settings) -> str:
    """Return the words shown in place of a suppressed borough figure."""
    if figure.suppression_reason == "too_few_schools":
        return f"Fewer than {settings.minimum_schools} schools"
    if figure.suppression_reason == "complementary":
        return complementary_text(settings)
    return f"Fewer than {settings.disclosure_threshold} responses"


def complementary_text(settings: Settings) -> str:
    """Return the words shown in place of a figure hidden to protect a smaller one.

    The page and the exports use the same words for this reason.
    """
    return (
        f"Hidden so that a group of fewer than {settings.disclosure_threshold} "
        "responses cannot be worked out"
    )


def score_band(score: float | None) -> int | None:
    """Return the heat map band of a score, 0 (lowest) to 4, or None."""
    if score is None:
        return None
    band = 0
    for index, (lowest, _) in enumerate(SCORE_BANDS):
        if score >= lowest:
            band = index
    return band


def format_change(value: float | None) -> str:
    """Return a change of score with its sign, like "+4.2" or "−1.0"."""
    if value is None:
        return ""
    rounded = round(value, 1)
    if rounded == 0:
        return "0.0"
    sign = "+" if rounded > 0 else "−"
    return f"{sign}{abs(rounded):.1f}"


# Helpers


def surveyed_school_count(cursor, academic_year: str, group: str, phase: str) -> int:
    """Count the schools of the phase with a survey link for the group in the year."""
    return len(_surveyed_schools(cursor, academic_year, group, phase))


def page_count(n_schools: int) -> int:
    """Return the number of pages the school tables take, at least 1."""
    return max(1, -(-n_schools // SCHOOLS_PER_PAGE))


def _page_of(schools: list, page: int | None) -> list:
    if page is None:
        return schools
    start = (page - 1) * SCHOOLS_PER_PAGE
    return schools[start : start + SCHOOLS_PER_PAGE]


def _surveyed_schools(cursor, academic_year: str, group: str, phase: str) -> list:
    return _select_dicts(
        cursor,
        """
        select
            schools.school_id, schools.school_name, schools.phase,
            counts.n_responses, counts.n_excluded, counts.number_on_roll,
            counts.response_rate,
            counts.is_suppressed, counts.suppression_reason,
            coalesce(responded.has_responses, true) as has_responses
        from marts.response_counts as counts
        inner join marts.schools as schools
            on counts.school_id = schools.school_id
        left join marts.borough_school_responses as responded
            on counts.school_id = responded.school_id
            and counts.academic_year = responded.academic_year
            and counts.stakeholder_group = responded.stakeholder_group
        where counts.academic_year = ? and counts.stakeholder_group = ?
            and counts.key_stage = 'all'
            and (? = 'all' or schools.phase = ?)
        order by schools.school_name, schools.school_id
        """,
        [academic_year, group, phase, phase],
    )


def _figure_columns(figure: BoroughFigure) -> dict:
    return {
        "n_schools": figure.n_schools,
        "n_respondents": figure.n_respondents,
        "score": figure.score,
        "ci_lower": figure.ci_lower,
        "ci_upper": figure.ci_upper,
        "pct_positive": figure.pct_positive,
        "is_suppressed": figure.is_suppressed,
        "suppression_reason": figure.suppression_reason,
    }


def _borough_figure(row: dict | None) -> BoroughFigure:
    if row is None:
        return NO_FIGURE
    if row["is_suppressed"]:
        return BoroughFigure(
            is_suppressed=True, suppression_reason=row["suppression_reason"]
        )
    return BoroughFigure(
        is_suppressed=False,
        n_schools=row["n_schools"],
        n_respondents=row["n_respondents"],
        score=row["score"],
        ci_lower=row["ci_lower"],
        ci_upper=row["ci_upper"],
        pct_positive=row["pct_positive"],
    )


def _school_figure(row: dict | None) -> Figure:
    if row is None or row["is_suppressed"]:
        if row is not None and row["suppression_reason"] == "complementary":
            return Figure(is_suppressed=True, suppression_reason="complementary")
        return HIDDEN
    return Figure(
        is_suppressed=False,
        n_respondents=row["n_respondents"],
        score=row["score"],
        ci_lower=row["ci_lower"],
        ci_upper=row["ci_upper"],
        pct_positive=row["pct_positive"],
        dont_know_rate=row["dont_know_rate"],
        n_excluded=row["n_excluded"],
    )


def _change(row: dict) -> Change:
    return Change(
        status=row["change_status"],
        previous_academic_year=row["previous_academic_year"],
        n_questions_compared=row["n_questions_compared"],
        n_questions_total=row["n_questions_total"],
        is_partial=row["is_partial"],
        n_respondents_previous=row["n_respondents_previous"],
        n_respondents=row["n_respondents"],
        score_change=row["score_change"],
        score_previous_compared=row["score_previous_compared"],
        score_compared=row["score_compared"],
        ci_lower=row["change_ci_lower"],
        ci_upper=row["change_ci_upper"],
        is_significant=row["is_significant"],
        suppression_reason=row["suppression_reason"],
    )


def _select_dicts(cursor, sql: str, parameters: list) -> list[dict]:
    result = cursor.execute(sql, parameters)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
