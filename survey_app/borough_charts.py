"""Trend charts of borough figures, drawn on the server as inline SVG.

Like the charts in charts.py, each chart is one image (role="img") with a
title and a description, a table on the same page gives its figures, and
colours are set by attributes because the Content Security Policy allows no
inline styles.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

from .charts import (
    FONT,
    GRID_COLOUR,
    SECONDARY_TEXT_COLOUR,
    SERIES_COLOURS,
    TEXT_COLOUR,
)

WIDTH = 360
HEIGHT = 210
PLOT_LEFT = 44
PLOT_RIGHT = 340
PLOT_TOP = 34
PLOT_BOTTOM = 170
YEAR_LABEL_Y = 190
TICKS = (0, 25, 50, 75, 100)
DOT_RADIUS = 5
CAP_HALF_WIDTH = 9


@dataclass(frozen=True)
class TrendPoint:
    """One year of a trend: a score with its interval, or None when hidden."""

    label: str
    score: float | None
    lower: float | None = None
    upper: float | None = None
    value_text: str = ""


def trend_chart(
    points: list[TrendPoint], *, chart_id: str, title: str, description: str
) -> Markup:
    """Return an SVG of scores over the years: one dot per year on a 0-100 axis.

    Each dot has a vertical line across its 95% interval, drawn over the
    dot, and its value above it. Consecutive years with a score are joined
    by a line. A year without a score shows "Hidden" in place of a dot.
    """
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-trend-chart" '
            'role="img" aria-labelledby="{id}-title {id}-description" '
            'viewBox="0 0 {width} {height}" width="100%" '
            'preserveAspectRatio="xMinYMin meet" font-family="{font}">'
        ).format(id=chart_id, width=WIDTH, height=HEIGHT, font=FONT),
        Markup('<title id="{id}-title">{title}</title>').format(
            id=chart_id, title=title
        ),
        Markup('<desc id="{id}-description">{description}</desc>').format(
            id=chart_id, description=description
        ),
        _grid(),
    ]

    positions = [_x(index, len(points)) for index in range(len(points))]
    previous = None
    for x, point in zip(positions, points, strict=True):
        if point.score is not None and previous is not None:
            parts.append(_line(previous[0], _y(previous[1]), x, _y(point.score), 2))
        previous = (x, point.score) if point.score is not None else None

    colour = SERIES_COLOURS[0]
    for x, point in zip(positions, points, strict=True):
        parts.append(_text(x, YEAR_LABEL_Y, point.label, anchor="middle"))
        if point.score is None:
            parts.append(
                _text(
                    x,
                    PLOT_BOTTOM - 8,
                    "Hidden",
                    anchor="middle",
                    colour=SECONDARY_TEXT_COLOUR,
                    style="italic",
                )
            )
            continue
        parts.append(
            Markup(
                '<circle cx="{x}" cy="{y}" r="{radius}" fill="{colour}" '
                'stroke="#ffffff" stroke-width="1.5"/>'
            ).format(x=x, y=_y(point.score), radius=DOT_RADIUS, colour=colour)
        )
        # The interval is drawn over the dot, and its caps reach past it, so
        # a narrow interval stays visible.
        if point.lower is not None and point.upper is not None:
            parts.append(_line(x, _y(point.lower), x, _y(point.upper), 2))
            for bound in (point.lower, point.upper):
                parts.append(
                    _line(
                        x - CAP_HALF_WIDTH, _y(bound), x + CAP_HALF_WIDTH, _y(bound), 2
                    )
                )
        top = _y(point.upper if point.upper is not None else point.score)
        parts.append(
            _text(x, top - 8, point.value_text, anchor="middle", weight="bold")
        )

    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _x(index: int, count: int) -> float:
    if count == 1:
        return (PLOT_LEFT + PLOT_RIGHT) / 2
    margin = 30
    span = PLOT_RIGHT - PLOT_LEFT - 2 * margin
    return round(PLOT_LEFT + margin + span * index / (count - 1), 1)


def _y(value: float) -> float:
    clamped = min(max(value, 0.0), 100.0)
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * clamped / 100, 1)


def _grid() -> Markup:
    parts = []
    for tick in TICKS:
        y = _y(tick)
        parts.append(
            Markup(
                '<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" '
                'stroke="{colour}" stroke-width="1"/>'
            ).format(left=PLOT_LEFT, right=PLOT_RIGHT, y=y, colour=GRID_COLOUR)
        )
        parts.append(_text(PLOT_LEFT - 6, y + 5, str(tick), anchor="end"))
    return Markup("").join(parts)


def _line(x1: float, y1: float, x2: float, y2: float, width: int) -> Markup:
    return Markup(
        '<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
        'stroke-width="{width}"/>'
    ).format(x1=x1, y1=y1, x2=x2, y2=y2, colour=TEXT_COLOUR, width=width)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    weight: str = "normal",
    style: str = "normal",
    colour: str = TEXT_COLOUR,
) -> Markup:
    return Markup(
        '<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="14" '
        'font-weight="{weight}" font-style="{style}" fill="{colour}">'
        "{content}</text>"
    ).format(
        x=round(x, 1),
        y=round(y, 1),
        anchor=anchor,
        weight=weight,
        style=style,
        colour=colour,
        content=escape(content),
    )
