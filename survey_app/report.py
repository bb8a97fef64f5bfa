"""Figures of the self-review pages and the governors' report, and its PDF.

The warehouse computes the comparison with stakeholder views
(marts.self_review_comparisons) and the impact of next steps
(marts.next_step_impacts). This module only reads, formats and draws them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
from flask import current_app, render_template
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from . import self_review as service
from . import warehouse
from .calendar import LONDON
from .charts import Point, PointGroup, interval_chart
from .models import STAKEHOLDER_GROUPS, School, SelfReview

READINGS = ("blind_spot", "hidden_strength", "no_clear_gap", "suppressed")

# Formatting


def format_london_time(moment: datetime | None) -> str:
    """Format a UTC time in Europe/London, like 4 December 2026 at 3:05pm."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{format_date(local.date())} at {hour}:{local.minute:02d}{suffix}"


def format_date(day: date | None) -> str:
    """Format a date like 4 December 2026."""
    if day is None:
        return ""
    return f"{day.day} {day:%B %Y}"


def format_score(score: float | None) -> str:
    """Format a score to one decimal place, or an en dash when there is none."""
    if score is None:
        return "–"
    return f"{score:.1f}"


def format_signed(value: float | None) -> str:
    """Format a change with its sign, like +12.5 or −3.0."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value:.1f}"
    if value < 0:
        return f"−{abs(value):.1f}"
    return f"{value:.1f}"


def multiline(text: str | None) -> Markup:
    """Escape text and keep its line breaks as <br> elements."""
    if not text:
        return Markup("")
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


FIELD_NAMES = {
    "level": "rating",
    "evidence": "evidence",
    **{name: label.lower() for name, label in service.PROVISION_LABELS.items()},
}


def describe_change(entry: service.ChangeEntry) -> str:
    """Describe one history entry in a few words, like 'Rating of P1.4'."""
    if entry.field == "started":
        return f"Started {entry.new_value}"
    if entry.field == "submitted":
        return f"Submitted {entry.new_value}"
    name = FIELD_NAMES.get(entry.field, entry.field)
    subject = entry.practice_id or entry.component_id
    return f"{name.capitalize()} of {subject}"


def describe_value(field_name: str, value: str | None) -> str:
    """Return a stored history value as staff would read it."""
    if value is None:
        return "(blank)"
    if field_name == "level" and value in service.RATING_LABELS:
        return service.RATING_LABELS[value]
    return value


# The self-review's own figures


def component_scores(
    framework: service.Framework, version: SelfReview
) -> dict[str, float | None]:
    """Map each component to the mean score of its rated practices."""
    ratings = service.ratings_by_practice(version)
    return {
        component.component_id: service.score_of_levels(
            [
                ratings[practice.practice_id].level
                for practice in component.practices
                if ratings[practice.practice_id].level is not None
            ]
        )
        for component in framework.components
    }


def component_progress(framework: service.Framework, version: SelfReview) -> list:
    """Return, per component, how many practices are rated and its score."""
    ratings = service.ratings_by_practice(version)
    scores = component_scores(framework, version)
    progress = []
    for component in framework.components:
        rated = sum(
            ratings[practice.practice_id].level is not None
            for practice in component.practices
        )
        progress.append(
            {
                "component": component,
                "n_rated": rated,
                "n_practices": len(component.practices),
                "score": scores[component.component_id],
            }
        )
    return progress


# Reading the warehouse


def _query_published(sql: str, parameters: list) -> list[dict] | None:
    """Run a query on the published warehouse; None when it has no results yet.

    A warehouse published before the self-review marts existed has no such
    tables, which also reads as no results.
    """
    try:
        return warehouse.query(sql, parameters)
    except warehouse.WarehouseNotPublishedError:
        return None
    except duckdb.CatalogException:
        current_app.logger.warning("Published warehouse has no self-review marts")
        return None


@dataclass
class Comparisons:
    """The comparison rows of a school's latest submitted self-review for a year."""

    available: bool
    rows: list[dict] = field(default_factory=list)

    @property
    def self_review_version(self) -> int | None:
        return self.rows[0]["self_review_version"] if self.rows else None

    @property
    def groups(self) -> list[str]:
        present = {row["stakeholder_group"] for row in self.rows}
        return [group for group in STAKEHOLDER_GROUPS if group in present]

    def for_component(self, component_id: str) -> list[dict]:
        return self._rows("component", component_id, "component_id")

    def for_practice(self, practice_id: str) -> list[dict]:
        return self._rows("practice", practice_id, "practice_id")

    def _rows(self, level: str, indicator_id: str, column: str) -> list[dict]:
        order = {group: index for index, group in enumerate(STAKEHOLDER_GROUPS)}
        return sorted(
            (
                row
                for row in self.rows
                if row["indicator_level"] == level and row[column] == indicator_id
            ),
            key=lambda row: order.get(row["stakeholder_group"], len(order)),
        )

    def self_score(self, level: str, indicator_id: str) -> float | None:
        column = "component_id" if level == "component" else "practice_id"
        for row in self._rows(level, indicator_id, column):
            return row["self_review_score"]
        return None

    def count(self, reading: str) -> int:
        return sum(row["gap_reading"] == reading for row in self.rows)


def read_comparisons(school_id: int, academic_year: str) -> Comparisons:
    """Read the comparison of the latest submitted version in the warehouse."""
    rows = _query_published(
        """
        select
            self_review_version, submitted_at, indicator_level, component_id,
            practice_id, self_review_score, stakeholder_group, n_respondents,
            group_score, ci_lower, ci_upper, is_suppressed, suppression_reason,
            score_gap, gap_reading
        from marts.self_review_comparisons
        where school_id = ? and academic_year = ? and is_latest_version
        """,
        [school_id, academic_year],
    )
    if rows is None:
        return Comparisons(available=False)
    return Comparisons(available=True, rows=rows)


@dataclass
class Impacts:
    """The measured change of each next step's indicators, by next step id."""

    available: bool
    by_step: dict[int, list[dict]] = field(default_factory=dict)

    def for_step(self, step) -> list[dict] | None:
        """Rows of a step, targeted first; None when the warehouse predates it.

        A step edited after the last pipeline run has other targets in the
        warehouse than in the store, and is treated as not yet measured.
        """
        rows = self.by_step.get(step.next_step_id)
        if not rows:
            return None
        target = rows[0]
        if (
            target["target_component_id"] != step.component_id
            or target["target_practice_id"] != step.practice_id
            or target["stakeholder_group"] != step.stakeholder_group
        ):
            return None
        return rows


def read_impacts(school_id: int, academic_year: str) -> Impacts:
    """Read the impact rows of a school's next steps for a year."""
    rows = _query_published(
        """
        select
            next_step_id, follow_up_year, target_component_id,
            target_practice_id, stakeholder_group, indicator_level,
            component_id, practice_id, is_targeted, impact_status, baseline_n,
            baseline_score, follow_up_n, follow_up_score, score_change,
            change_ci_lower, change_ci_upper, is_beyond_chance,
            baseline_bank_version, follow_up_bank_version
        from marts.next_step_impacts
        where school_id = ? and academic_year = ?
        order by next_step_id, is_targeted desc, component_id, practice_id
        """,
        [school_id, academic_year],
    )
    if rows is None:
        return Impacts(available=False)
    impacts = Impacts(available=True)
    for row in rows:
        impacts.by_step.setdefault(row["next_step_id"], []).append(row)
    return impacts


# Chart


def comparison_chart_svg(
    comparisons: Comparisons, component: service.ComponentInfo
) -> Markup:
    """Draw one component's self-review score beside each group's score and
    95% interval, as inline SVG (charts.interval_chart) with a text alternative.

    A group whose whole interval lies left of the self-review dot is a blind
    spot, and one whose interval lies right of it a hidden strength. The
    table beside the chart gives the same figures and readings.
    """
    rows = comparisons.for_component(component.component_id)
    self_score = comparisons.self_score("component", component.component_id)
    points = [
        Point(
            label="Self-review",
            value=self_score,
            value_text=format_score(self_score),
            missing_text="Not rated",
        )
    ]
    for row in rows:
        label = service.STAKEHOLDER_LABELS.get(
            row["stakeholder_group"], row["stakeholder_group"]
        )
        if row["is_suppressed"] or row["group_score"] is None:
            points.append(
                Point(label=label, value=None, missing_text="Suppressed: too few")
            )
            continue
        points.append(
            Point(
                label=label,
                value=row["group_score"],
                lower=row["ci_lower"],
                upper=row["ci_upper"],
                value_text=format_score(row["group_score"]),
            )
        )
    return interval_chart(
        [
            PointGroup(
                heading=f"{component.component_id} {component.title}", points=points
            )
        ],
        chart_id=f"chart-{component.component_id}",
        title=f"{component.component_id} {component.title}: self-review and "
        "stakeholder scores",
        description=_chart_description(rows, self_score),
        narrow=False,
    )


def _chart_description(rows: list[dict], self_score: float | None) -> str:
    sentences = [f"Self-review score {format_score(self_score)}."]
    for row in rows:
        group = service.STAKEHOLDER_LABELS.get(
            row["stakeholder_group"], row["stakeholder_group"]
        )
        if row["is_suppressed"]:
            sentences.append(f"{group}: suppressed, too few responses.")
            continue
        sentences.append(
            f"{group}: {format_score(row['group_score'])} "
            f"(95% interval {format_score(row['ci_lower'])} to "
            f"{format_score(row['ci_upper'])}), "
            f"{READING_NAMES.get(row['gap_reading'], '')}."
        )
    return " ".join(sentences)


READING_NAMES = {
    "blind_spot": "blind spot",
    "hidden_strength": "hidden strength",
    "no_clear_gap": "no clear gap",
    "suppressed": "suppressed",
}


# The governors' report


@dataclass
class Report:
    """Everything the governors' report shows, read once for HTML and PDF."""

    school: School
    academic_year: str
    version: SelfReview
    submitted_by: str | None
    framework: service.Framework
    ratings: dict
    provision: dict
    component_scores: dict
    comparisons: Comparisons
    charts: dict
    next_steps: list
    impacts: Impacts
    follow_up_year: str


def build_report(session: Session, school_id: int, academic_year: str) -> Report | None:
    """Gather the report of the latest submitted version, else of the draft.

    Returns None when the school has no self-review for the year.
    """
    version = service.latest_submitted_version(session, school_id, academic_year)
    if version is None:
        version = service.current_version(session, school_id, academic_year)
    if version is None:
        return None
    framework = service.load_framework(session, version.framework_version)
    comparisons = read_comparisons(school_id, academic_year)
    names = service.user_names(session, {version.submitted_by_user_id})
    return Report(
        school=session.get(School, school_id),
        academic_year=academic_year,
        version=version,
        submitted_by=names.get(version.submitted_by_user_id),
        framework=framework,
        ratings=service.ratings_by_practice(version),
        provision=service.provision_by_component(version),
        component_scores=component_scores(framework, version),
        comparisons=comparisons,
        charts={
            component.component_id: comparison_chart_svg(comparisons, component)
            for component in framework.components
        }
        if comparisons.available
        else {},
        next_steps=service.list_next_steps(session, school_id, academic_year),
        impacts=read_impacts(school_id, academic_year),
        follow_up_year=service.following_academic_year(academic_year),
    )


def report_stylesheet() -> str:
    """Return the report's CSS, shared by the HTML page and the PDF."""
    return render_template("report/report.css")


def render_pdf(html: str) -> bytes:
    """Render the report's HTML to PDF with WeasyPrint.

    The report is self-contained: its CSS is passed in and its chart is
    inline SVG, so the fetcher rejects every URL and WeasyPrint makes no
    network request.
    """
    from weasyprint import CSS, HTML

    document = HTML(string=html, url_fetcher=_refuse_fetch)
    return document.write_pdf(stylesheets=[CSS(string=report_stylesheet())])


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the report loads no external resources: {url!r} rejected")
