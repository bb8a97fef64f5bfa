"""Read one school's published results from the warehouse marts.

Every function that returns figures takes a school id and filters on it;
callers check that the user may see that school (auth.require_school_access)
before calling. The marts blank every figure of a suppressed cell, and a cell
nobody answered has no row at all: both come back here as the same HIDDEN
figure, so no page can tell none from nine.

Percentages (pct_positive, dont_know_rate, response_rate) are 0-100, as in
the marts; scores are 0-100.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from .calendar import LONDON
from .models import STAKEHOLDER_GROUPS

GROUP_TITLES = {
    "pupil_primary": "Pupils in Years 3 to 6",
    "pupil_secondary": "Pupils in Years 7 to 13",
    "parent": "Parents and carers",
    "staff": "Staff",
    "governor": "Governors",
}
KEY_STAGE_TITLES = {
    "KS1": "Key stage 1 (Years 1 and 2)",
    "KS2": "Key stage 2 (Years 3 to 6)",
    "KS3": "Key stage 3 (Years 7 to 9)",
    "KS4": "Key stage 4 (Years 10 and 11)",
    "KS5": "Key stage 5 (Years 12 and 13)",
    "not_stated": "Year not given",
}
# The key stages each pupil questionnaire can produce, shown whether or not
# anyone answered, so that a missing column cannot reveal an empty one.
PUPIL_KEY_STAGES = {
    "pupil_primary": ("KS2", "not_stated"),
    "pupil_secondary": ("KS3", "KS4", "KS5", "not_stated"),
}


@dataclass(frozen=True)
class Figure:
    """The published figures of one cell; all None when it is suppressed."""

    is_suppressed: bool
    suppression_reason: str | None = None
    n_respondents: int | None = None
    score: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    pct_positive: float | None = None
    dont_know_rate: float | None = None
    n_excluded: int | None = None
    cronbach_alpha: float | None = None
    n_items: int | None = None


# A cell below the disclosure threshold, including one that nobody answered.
HIDDEN = Figure(is_suppressed=True, suppression_reason="below_threshold")


@dataclass(frozen=True)
class School:
    school_id: int
    name: str
    phase: str


@dataclass(frozen=True)
class Column:
    """A column of a results table: a stakeholder group or a key stage."""

    column_id: str
    title: str


@dataclass(frozen=True)
class ResultRow:
    """A component or practice with one figure per column.

    A figure is None where the column's questionnaire has no question on
    this component or practice.
    """

    row_id: str
    title: str
    figures: dict[str, Figure | None]


@dataclass(frozen=True)
class ResponseCount:
    """Responses of one stakeholder group; counts are None when suppressed."""

    stakeholder_group: str
    is_suppressed: bool
    n_responses: int | None
    n_excluded: int | None
    number_on_roll: int | None
    response_rate: float | None


@dataclass(frozen=True)
class SchoolResults:
    """Every component's figures for each stakeholder group of one school-year."""

    school: School
    academic_year: str
    groups: list[Column]
    components: list[ResultRow]
    response_counts: list[ResponseCount]
    # The answer labels counted as positive, per stakeholder group.
    positive_labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyStageBreakdown:
    """A pupil group's component and practice figures per key stage."""

    group: Column
    key_stages: list[Column]
    rows: list[ResultRow]


@dataclass(frozen=True)
class ComponentResults:
    """One component's figures, its practices' and the pupils' key stages."""

    school: School
    academic_year: str
    component_id: str
    title: str
    groups: list[Column]
    summary: ResultRow
    practices: list[ResultRow]
    key_stage_breakdowns: list[KeyStageBreakdown] = field(default_factory=list)
    positive_labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishedSettings:
    disclosure_threshold: int
    excluded_quality_flags: list[str]


def published_settings(cursor) -> PublishedSettings:
    """Return the disclosure threshold and excluded flags the marts were built with."""
    threshold, flags = cursor.execute(
        "select disclosure_threshold, excluded_quality_flags from marts.settings"
    ).fetchone()
    return PublishedSettings(
        disclosure_threshold=int(threshold),
        excluded_quality_flags=[flag for flag in (flags or "").split(",") if flag],
    )


def published_at(cursor) -> datetime | None:
    """Return when the warehouse was published (aware, UTC), or None if unrecorded."""
    has_table = cursor.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'publication'"
    ).fetchone()[0]
    if not has_table:
        return None

    row = cursor.execute("select max(published_at) from marts.publication").fetchone()
    if row is None or row[0] is None:
        return None
    value = row[0]
    # A naive TIMESTAMP in the warehouse is UTC by the project's convention.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def list_schools(cursor) -> list[School]:
    """Return every school in the published warehouse, by name."""
    rows = cursor.execute(
        "select school_id, school_name, phase from marts.schools "
        "order by school_name, school_id"
    ).fetchall()
    return [School(*row) for row in rows]


def find_school(cursor, school_id: int) -> School | None:
    """Return the school, or None when the published warehouse has no such school."""
    row = cursor.execute(
        "select school_id, school_name, phase from marts.schools where school_id = ?",
        [school_id],
    ).fetchone()
    return School(*row) if row else None


def academic_years(cursor, school_id: int) -> list[str]:
    """Return the school's academic years with published results, newest first."""
    rows = cursor.execute(
        """
        select academic_year from marts.response_counts where school_id = ?
        union
        select academic_year from marts.component_indicators where school_id = ?
        order by academic_year desc
        """,
        [school_id, school_id],
    ).fetchall()
    return [row[0] for row in rows]


def default_academic_year(cursor, school_id: int) -> str | None:
    """Return the newest year with a figure to show, else the newest year, or None."""
    row = cursor.execute(
        """
        select max(academic_year) from marts.component_indicators
        where school_id = ? and key_stage = 'all' and not is_suppressed
        """,
        [school_id],
    ).fetchone()
    if row and row[0]:
        return row[0]
    years = academic_years(cursor, school_id)
    return years[0] if years else None


def school_results(cursor, school_id: int, academic_year: str) -> SchoolResults | None:
    """Return every component's figures per group, or None for an unknown school."""
    school = find_school(cursor, school_id)
    if school is None:
        return None

    window = _survey_window(cursor, school_id, academic_year)
    groups = _groups(cursor, school_id, academic_year)
    indicators = _indexed(
        _select_dicts(
            cursor,
            """
            select * from marts.component_indicators
            where school_id = ? and academic_year = ? and key_stage = 'all'
            """,
            [school_id, academic_year],
        ),
        "component_id",
        "stakeholder_group",
    )
    components = [
        ResultRow(
            row_id=component_id,
            title=title,
            figures={
                group.column_id: _figure(
                    indicators.get((component_id, group.column_id))
                )
                for group in groups
            },
        )
        for component_id, title in _components(cursor, window)
    ]
    return SchoolResults(
        school=school,
        academic_year=academic_year,
        groups=groups,
        components=components,
        response_counts=_response_counts(cursor, school_id, academic_year, groups),
        positive_labels=_positive_labels(cursor, window),
    )


def component_results(
    cursor, school_id: int, academic_year: str, component_id: str
) -> ComponentResults | None:
    """Return one component's figures in detail, or None when it is unknown."""
    school = find_school(cursor, school_id)
    if school is None:
        return None
    window = _survey_window(cursor, school_id, academic_year)
    titles = dict(_components(cursor, window))
    if component_id not in titles:
        return None

    groups = _groups(cursor, school_id, academic_year)
    asked = _asked_practices(cursor, window)
    component_rows = _select_dicts(
        cursor,
        """
        select * from marts.component_indicators
        where school_id = ? and academic_year = ? and component_id = ?
        """,
        [school_id, academic_year, component_id],
    )
    practice_rows = _select_dicts(
        cursor,
        """
        select * from marts.practice_indicators
        where school_id = ? and academic_year = ? and component_id = ?
        """,
        [school_id, academic_year, component_id],
    )
    practices = _practices(cursor, window, component_id)

    by_group = _indexed(
        [row for row in component_rows if row["key_stage"] == "all"],
        "stakeholder_group",
    )
    summary = ResultRow(
        row_id=component_id,
        title=titles[component_id],
        figures={
            group.column_id: _figure(by_group.get((group.column_id,)))
            for group in groups
        },
    )
    practices_by_group = _indexed(
        [row for row in practice_rows if row["key_stage"] == "all"],
        "practice_id",
        "stakeholder_group",
    )
    practice_results = [
        ResultRow(
            row_id=practice_id,
            title=text,
            figures={
                group.column_id: (
                    _figure(practices_by_group.get((practice_id, group.column_id)))
                    if (group.column_id, practice_id) in asked
                    else None
                )
                for group in groups
            },
        )
        for practice_id, text in practices
    ]
    breakdowns = [
        _key_stage_breakdown(
            group, summary, practices, asked, component_rows, practice_rows
        )
        for group in groups
        if group.column_id in PUPIL_KEY_STAGES
    ]
    return ComponentResults(
        school=school,
        academic_year=academic_year,
        component_id=component_id,
        title=titles[component_id],
        groups=groups,
        summary=summary,
        practices=practice_results,
        key_stage_breakdowns=breakdowns,
        positive_labels=_positive_labels(cursor, window),
    )


def _key_stage_breakdown(
    group: Column,
    summary: ResultRow,
    practices: list[tuple[str, str]],
    asked: set[tuple[str, str]],
    component_rows: list[dict],
    practice_rows: list[dict],
) -> KeyStageBreakdown:
    stakeholder_group = group.column_id
    present = {
        row["key_stage"]
        for row in component_rows
        if row["stakeholder_group"] == stakeholder_group and row["key_stage"] != "all"
    }
    expected = PUPIL_KEY_STAGES[stakeholder_group]
    key_stage_ids = list(expected) + sorted(present - set(expected))
    key_stages = [
        Column(key_stage, KEY_STAGE_TITLES.get(key_stage, key_stage))
        for key_stage in key_stage_ids
    ]
    component_cells = _indexed(
        [
            row
            for row in component_rows
            if row["stakeholder_group"] == stakeholder_group
        ],
        "key_stage",
    )
    practice_cells = _indexed(
        [row for row in practice_rows if row["stakeholder_group"] == stakeholder_group],
        "practice_id",
        "key_stage",
    )
    rows = [
        ResultRow(
            row_id=summary.row_id,
            title=summary.title,
            figures={
                key_stage: _figure(component_cells.get((key_stage,)))
                for key_stage in key_stage_ids
            },
        )
    ]
    for practice_id, text in practices:
        if (stakeholder_group, practice_id) not in asked:
            continue
        rows.append(
            ResultRow(
                row_id=practice_id,
                title=text,
                figures={
                    key_stage: _figure(practice_cells.get((practice_id, key_stage)))
                    for key_stage in key_stage_ids
                },
            )
        )
    return KeyStageBreakdown(group=group, key_stages=key_stages, rows=rows)


def _survey_window(cursor, school_id: int, academic_year: str) -> dict:
    rows = _select_dicts(
        cursor,
        """
        select bank_version, framework_version from marts.survey_windows
        where school_id = ? and academic_year = ?
        """,
        [school_id, academic_year],
    )
    if rows:
        return rows[0]
    # No window row (it should not happen): take the newest framework.
    framework_version = cursor.execute(
        "select max(framework_version) from marts.components"
    ).fetchone()[0]
    return {"bank_version": None, "framework_version": framework_version}


def _components(cursor, window: dict) -> list[tuple[str, str]]:
    return cursor.execute(
        """
        select component_id, component_title from marts.components
        where framework_version = ?
        order by component_position
        """,
        [window["framework_version"]],
    ).fetchall()


def _practices(cursor, window: dict, component_id: str) -> list[tuple[str, str]]:
    return cursor.execute(
        """
        select practice_id, practice_text from marts.practices
        where framework_version = ? and component_id = ?
        order by practice_position
        """,
        [window["framework_version"], component_id],
    ).fetchall()


def _asked_practices(cursor, window: dict) -> set[tuple[str, str]]:
    """Return (stakeholder_group, practice_id) pairs the window's bank asks about."""
    rows = cursor.execute(
        "select distinct stakeholder_group, practice_id from marts.questions "
        "where bank_version = ?",
        [window["bank_version"]],
    ).fetchall()
    return {(group, practice_id) for group, practice_id in rows}


def _positive_labels(cursor, window: dict) -> dict[str, list[str]]:
    """Return the labels of the answers counted as positive, per group."""
    rows = cursor.execute(
        """
        select distinct stakeholder_group, labels, positive_from
        from marts.questions
        where bank_version = ?
        """,
        [window["bank_version"]],
    ).fetchall()
    return {
        group: list(labels[positive_from - 1 :])
        for group, labels, positive_from in rows
    }


def _groups(cursor, school_id: int, academic_year: str) -> list[Column]:
    """Return the groups surveyed: every group with a link, whether or not it answered.

    response_counts has a key stage 'all' row for each group with a survey
    link, so a group nobody answered still gets its column.
    """
    rows = cursor.execute(
        """
        select stakeholder_group from marts.response_counts
        where school_id = ? and academic_year = ?
        union
        select stakeholder_group from marts.component_indicators
        where school_id = ? and academic_year = ?
        """,
        [school_id, academic_year, school_id, academic_year],
    ).fetchall()
    present = {row[0] for row in rows}
    ordered = [group for group in STAKEHOLDER_GROUPS if group in present]
    ordered += sorted(present - set(STAKEHOLDER_GROUPS))
    return [Column(group, GROUP_TITLES.get(group, group)) for group in ordered]


def _response_counts(
    cursor, school_id: int, academic_year: str, groups: list[Column]
) -> list[ResponseCount]:
    rows = _indexed(
        _select_dicts(
            cursor,
            """
            select * from marts.response_counts
            where school_id = ? and academic_year = ? and key_stage = 'all'
            """,
            [school_id, academic_year],
        ),
        "stakeholder_group",
    )
    counts = []
    for group in groups:
        row = rows.get((group.column_id,))
        if row is None or row["is_suppressed"]:
            counts.append(
                ResponseCount(
                    stakeholder_group=group.column_id,
                    is_suppressed=True,
                    n_responses=None,
                    n_excluded=None,
                    number_on_roll=row["number_on_roll"] if row else None,
                    response_rate=None,
                )
            )
            continue
        counts.append(
            ResponseCount(
                stakeholder_group=group.column_id,
                is_suppressed=False,
                n_responses=row["n_responses"],
                n_excluded=row["n_excluded"],
                number_on_roll=row["number_on_roll"],
                response_rate=row["response_rate"],
            )
        )
    return counts


def _figure(row: dict | None) -> Figure:
    if row is None or row["is_suppressed"]:
        if row is not None and row["suppression_reason"] == "complementary":
            return Figure(is_suppressed=True, suppression_reason="complementary")
        return HIDDEN
    return Figure(
        is_suppressed=False,
        suppression_reason=None,
        n_respondents=row["n_respondents"],
        score=row["score"],
        ci_lower=row["ci_lower"],
        ci_upper=row["ci_upper"],
        pct_positive=row["pct_positive"],
        dont_know_rate=row["dont_know_rate"],
        n_excluded=row["n_excluded"],
        cronbach_alpha=row.get("cronbach_alpha"),
        n_items=row.get("n_items"),
    )


def _select_dicts(cursor, sql: str, parameters: list) -> list[dict]:
    result = cursor.execute(sql, parameters)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _indexed(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    return {tuple(row[key] for key in keys): row for row in rows}


# Wording of figures, shared by the pages and any export so that a hidden
# cell reads the same everywhere.


def format_whole(value: float | None) -> str:
    """Return value rounded half up to a whole number, or "" for None."""
    if value is None:
        return ""
    return str(int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def format_percent(value: float | None) -> str:
    """Return a 0-100 percentage like "71%", or "" for None."""
    return f"{format_whole(value)}%" if value is not None else ""


def format_interval(figure: Figure) -> str:
    """Return the 95% interval like "55–69", cut to the 0-100 range of scores.

    A t interval can run past 0 or 100 when answers crowd at one end; no
    score can, so the shown range stops there.
    """
    if figure.ci_lower is None or figure.ci_upper is None:
        return ""
    lower = format_whole(max(figure.ci_lower, 0.0))
    upper = format_whole(min(figure.ci_upper, 100.0))
    return f"{lower}–{upper}"


def figure_summary(figure: Figure) -> str:
    """Return a score with its interval, like "62 (55–69)"."""
    interval = format_interval(figure)
    score = format_whole(figure.score)
    return f"{score} ({interval})" if interval else score


def hidden_text(figure: Figure, threshold: int) -> str:
    """Return the words shown in place of a suppressed figure.

    Zero and nine respondents read the same. A cell hidden only so that a
    smaller one cannot be worked out by subtraction gets its own reason.
    """
    if figure.suppression_reason == "complementary":
        return "Hidden so that a smaller group’s figures cannot be worked out"
    return f"Fewer than {threshold} responses"


# Conventional cut-offs for Cronbach's alpha in survey research: 0.7 and
# above is acceptable internal consistency.
ALPHA_GOOD = 0.7
ALPHA_LOOSE = 0.5


def alpha_reading(figure: Figure | None) -> str:
    """Return a plain reading of Cronbach's alpha, or "" for a hidden cell."""
    if figure is None or figure.is_suppressed:
        return ""
    alpha = figure.cronbach_alpha
    if alpha is None:
        return "Not measured: this needs at least two questions with answers"
    if alpha >= ALPHA_GOOD:
        return "The questions agree well"
    if alpha >= ALPHA_LOOSE:
        return "The questions agree only loosely: read the score with care"
    return (
        "The questions do not agree: read the score with care, and look at "
        "the practices one by one"
    )


def format_london_time(moment: datetime | None) -> str:
    """Return an aware time in Europe/London, like "3 July 2025 at 2:15pm"."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{suffix}"
