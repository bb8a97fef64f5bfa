"""Charts drawn on the server as inline SVG: no script and no outside service.

A chart is a picture of figures that a table on the same page also gives, so
the SVG is one image (role="img") with a title and a description, and its
text elements are not read out separately.

Colours come from attributes, not style attributes, because the Content
Security Policy allows no inline styles.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours of the GOV.UK Frontend palette, each with at least 3:1 contrast
# with white. Every dot is also labelled, so colour is never the only way to
# tell the groups apart.
SERIES_COLOURS = ("#1d70b8", "#00703c", "#4c2c92", "#912b88", "#505a5f")
TEXT_COLOUR = "#0b0c0c"
SECONDARY_TEXT_COLOUR = "#484949"
GRID_COLOUR = "#b1b4b6"

WIDTH = 760
LABEL_WIDTH = 200
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = 600
VALUE_LEFT = PLOT_RIGHT + 12
HEADING_HEIGHT = 28
ROW_HEIGHT = 26
GROUP_GAP = 14
AXIS_HEIGHT = 34
TOP_PADDING = 8
FONT = "Arial, sans-serif"


@dataclass(frozen=True)
class Point:
    """One labelled estimate on a 0-100 scale; value None draws no dot."""

    label: str
    value: float | None
    lower: float | None = None
    upper: float | None = None
    value_text: str = ""
    missing_text: str = ""


@dataclass(frozen=True)
class PointGroup:
    """A heading, such as a component, with one point per stakeholder group."""

    heading: str
    points: list[Point]


def interval_chart(
    groups: list[PointGroup], *, chart_id: str, title: str, description: str
) -> Markup:
    """Return an SVG dot-and-whisker chart: per heading, one dot per series.

    Each dot is placed at its value on a 0-100 axis, with a horizontal line
    from lower to upper (the 95% interval) and its value written at the
    right. A point without a value shows missing_text in place of a dot.
    """
    height = (
        TOP_PADDING
        + AXIS_HEIGHT
        + sum(
            HEADING_HEIGHT + ROW_HEIGHT * len(group.points) + GROUP_GAP
            for group in groups
        )
    )
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" '
            'role="img" aria-labelledby="{id}-title {id}-description" '
            'viewBox="0 0 {width} {height}" width="100%" '
            'preserveAspectRatio="xMinYMin meet" font-family="{font}">'
        ).format(id=chart_id, width=WIDTH, height=height, font=FONT),
        Markup('<title id="{id}-title">{title}</title>').format(
            id=chart_id, title=title
        ),
        Markup('<desc id="{id}-description">{description}</desc>').format(
            id=chart_id, description=description
        ),
    ]
    plot_bottom = height - AXIS_HEIGHT
    parts.append(_axis(TOP_PADDING, plot_bottom))

    y = TOP_PADDING
    for group in groups:
        parts.append(
            _text(
                0,
                y + HEADING_HEIGHT - 9,
                group.heading,
                size=16,
                weight="bold",
            )
        )
        y += HEADING_HEIGHT
        for index, point in enumerate(group.points):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(_point_row(point, y, colour))
            y += ROW_HEIGHT
        y += GROUP_GAP

    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _x(value: float) -> float:
    clamped = min(max(value, 0.0), 100.0)
    return round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * clamped / 100, 1)


def _axis(top: float, bottom: float) -> Markup:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = _x(tick)
        parts.append(
            Markup(
                '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" '
                'stroke="{colour}" stroke-width="1"/>'
            ).format(x=x, top=top, bottom=bottom, colour=GRID_COLOUR)
        )
        parts.append(_text(x, bottom + 18, str(tick), anchor="middle"))
    parts.append(
        _text(
            (PLOT_LEFT + PLOT_RIGHT) / 2,
            bottom + 33,
            "Score (0 to 100)",
            anchor="middle",
            colour=SECONDARY_TEXT_COLOUR,
        )
    )
    return Markup("").join(parts)


def _point_row(point: Point, y: float, colour: str) -> Markup:
    middle = y + ROW_HEIGHT / 2
    parts = [_text(LABEL_WIDTH, middle + 5, point.label, anchor="end")]
    if point.value is None:
        parts.append(
            _text(
                PLOT_LEFT + 6,
                middle + 5,
                point.missing_text,
                colour=SECONDARY_TEXT_COLOUR,
                style="italic",
            )
        )
        return Markup("").join(parts)

    if point.lower is not None and point.upper is not None:
        left, right = _x(point.lower), _x(point.upper)
        parts.append(
            Markup(
                '<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" '
                'stroke="{colour}" stroke-width="2"/>'
                '<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" '
                'stroke="{colour}" stroke-width="2"/>'
                '<line x1="{right}" y1="{top}" x2="{right}" y2="{bottom}" '
                'stroke="{colour}" stroke-width="2"/>'
            ).format(
                left=left,
                right=right,
                y=middle,
                top=middle - 6,
                bottom=middle + 6,
                colour=TEXT_COLOUR,
            )
        )
    parts.append(
        Markup(
            '<circle cx="{x}" cy="{y}" r="7" fill="{colour}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
        ).format(x=_x(point.value), y=middle, colour=colour)
    )
    parts.append(_text(VALUE_LEFT, middle + 5, point.value_text))
    return Markup("").join(parts)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 14,
    weight: str = "normal",
    style: str = "normal",
    colour: str = TEXT_COLOUR,
) -> Markup:
    return Markup(
        '<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" '
        'font-weight="{weight}" font-style="{style}" fill="{colour}">'
        "{content}</text>"
    ).format(
        x=round(x, 1),
        y=round(y, 1),
        anchor=anchor,
        size=size,
        weight=weight,
        style=style,
        colour=colour,
        content=escape(content),
    )
