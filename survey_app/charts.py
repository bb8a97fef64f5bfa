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


# The narrow drawing, for phones: each label on its own line above its dot,
# so that the axis takes the whole width. Headings wrap at about this many
# characters of 16 px bold Arial (an estimate: its average width is about
# 0.6 em).
NARROW_WIDTH = 360
NARROW_PLOT_LEFT = 8
NARROW_PLOT_RIGHT = 262
NARROW_VALUE_LEFT = 272
NARROW_LABEL_HEIGHT = 16
NARROW_HEADING_CHARACTERS = 34
NARROW_LINE_HEIGHT = 20


def interval_chart(
    groups: list[PointGroup],
    *,
    chart_id: str,
    title: str,
    description: str,
    narrow: bool = True,
) -> Markup:
    """Return an SVG dot-and-whisker chart: per heading, one dot per series.

    Each dot is placed at its value on a 0-100 axis, with a horizontal line
    from lower to upper (the 95% interval) and its value written at the
    right. A point without a value shows missing_text in place of a dot.
    With narrow, a second drawing for narrow screens follows (id
    chart_id-narrow); the stylesheet shows one of the two by screen width.
    """
    wide = _wide_chart(groups, chart_id=chart_id, title=title, description=description)
    if not narrow:
        return wide
    return wide + _narrow_chart(
        groups,
        chart_id=f"{chart_id}-narrow",
        title=title,
        description=description,
    )


def _svg_start(
    chart_id: str, title: str, description: str, width: int, height: float, size: str
) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart app-chart--{size}" '
        'id="{id}" role="img" aria-labelledby="{id}-title {id}-description" '
        'viewBox="0 0 {width} {height}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" font-family="{font}">'
        '<title id="{id}-title">{title}</title>'
        '<desc id="{id}-description">{description}</desc>'
    ).format(
        id=chart_id,
        size=size,
        width=width,
        height=height,
        font=FONT,
        title=title,
        description=description,
    )


def _narrow_chart(
    groups: list[PointGroup], *, chart_id: str, title: str, description: str
) -> Markup:
    headings = [_wrap(group.heading, NARROW_HEADING_CHARACTERS) for group in groups]
    row_height = NARROW_LABEL_HEIGHT + ROW_HEIGHT
    height = (
        TOP_PADDING
        + AXIS_HEIGHT
        + sum(
            NARROW_LINE_HEIGHT * len(lines)
            + 8
            + row_height * len(group.points)
            + GROUP_GAP
            for lines, group in zip(headings, groups, strict=True)
        )
    )
    plot_bottom = height - AXIS_HEIGHT
    parts = [
        _svg_start(chart_id, title, description, NARROW_WIDTH, height, "narrow"),
        _axis(TOP_PADDING, plot_bottom, NARROW_PLOT_LEFT, NARROW_PLOT_RIGHT),
    ]
    y = TOP_PADDING
    for lines, group in zip(headings, groups, strict=True):
        for line in lines:
            y += NARROW_LINE_HEIGHT
            parts.append(_text(0, y - 4, line, size=16, weight="bold"))
        y += 8
        for index, point in enumerate(group.points):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(
                _text(NARROW_PLOT_LEFT, y + NARROW_LABEL_HEIGHT - 3, point.label)
            )
            parts.append(
                _point_mark(
                    point,
                    y + NARROW_LABEL_HEIGHT + ROW_HEIGHT / 2,
                    colour,
                    NARROW_PLOT_LEFT,
                    NARROW_PLOT_RIGHT,
                    NARROW_VALUE_LEFT,
                )
            )
            y += row_height
        y += GROUP_GAP
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _wrap(text: str, width: int) -> list[str]:
    """Split text into lines of at most width characters, at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _wide_chart(
    groups: list[PointGroup], *, chart_id: str, title: str, description: str
) -> Markup:
    height = (
        TOP_PADDING
        + AXIS_HEIGHT
        + sum(
            HEADING_HEIGHT + ROW_HEIGHT * len(group.points) + GROUP_GAP
            for group in groups
        )
    )
    parts = [_svg_start(chart_id, title, description, WIDTH, height, "wide")]
    plot_bottom = height - AXIS_HEIGHT
    parts.append(_axis(TOP_PADDING, plot_bottom, PLOT_LEFT, PLOT_RIGHT))

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


def _x(value: float, left: float = PLOT_LEFT, right: float = PLOT_RIGHT) -> float:
    clamped = min(max(value, 0.0), 100.0)
    return round(left + (right - left) * clamped / 100, 1)


def _axis(top: float, bottom: float, left: float, right: float) -> Markup:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = _x(tick, left, right)
        parts.append(
            Markup(
                '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" '
                'stroke="{colour}" stroke-width="1"/>'
            ).format(x=x, top=top, bottom=bottom, colour=GRID_COLOUR)
        )
        parts.append(_text(x, bottom + 18, str(tick), anchor="middle"))
    parts.append(
        _text(
            (left + right) / 2,
            bottom + 33,
            "Score (0 to 100)",
            anchor="middle",
            colour=SECONDARY_TEXT_COLOUR,
        )
    )
    return Markup("").join(parts)


def _point_row(point: Point, y: float, colour: str) -> Markup:
    middle = y + ROW_HEIGHT / 2
    return _text(LABEL_WIDTH, middle + 5, point.label, anchor="end") + _point_mark(
        point, middle, colour, PLOT_LEFT, PLOT_RIGHT, VALUE_LEFT
    )


def _point_mark(
    point: Point,
    middle: float,
    colour: str,
    left_edge: float,
    right_edge: float,
    value_left: float,
) -> Markup:
    """Return the dot, interval and value text of a point, or its missing text."""
    parts = []
    if point.value is None:
        parts.append(
            _text(
                left_edge + 6,
                middle + 5,
                point.missing_text,
                colour=SECONDARY_TEXT_COLOUR,
                style="italic",
            )
        )
        return Markup("").join(parts)

    if point.lower is not None and point.upper is not None:
        left = _x(point.lower, left_edge, right_edge)
        right = _x(point.upper, left_edge, right_edge)
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
        ).format(x=_x(point.value, left_edge, right_edge), y=middle, colour=colour)
    )
    parts.append(_text(value_left, middle + 5, point.value_text))
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
