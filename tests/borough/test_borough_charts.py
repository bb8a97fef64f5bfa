"""The borough trend charts, drawn from hand-picked points."""

import re

from survey_app.borough_charts import TrendPoint, trend_chart


def test_narrow_interval_drawn_over_dot():
    chart = str(
        trend_chart(
            [TrendPoint("2024/25", 60.0, 59.5, 60.5, value_text="60")],
            chart_id="trend-C1",
            title="C1",
            description="One year",
        )
    )

    circle = re.search(r'<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)"', chart)
    caps = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="\2"', chart)
    cap_widths = [float(x2) - float(x1) for x1, _, x2 in caps if x1 != "44"]

    assert circle is not None
    assert chart.index("<circle") < chart.rindex("<line")
    assert len(cap_widths) == 2
    assert all(width > 2 * float(circle.group(1)) for width in cap_widths)
