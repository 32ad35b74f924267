"""Charts follow the page's colours: text, axes and whiskers are drawn in currentColor, and the
bars' colours come from classes the stylesheet gives system colours under forced colours, so
nothing in a chart vanishes in a high contrast theme, light or dark."""

from __future__ import annotations

import re
from pathlib import Path

from officers.charts import ChartBar, bar_chart, comparison_chart


def charts() -> list[str]:
    bars = [
        ChartBar("Always or often", 40.0, 30.0, 50.0, 35.0, "Here 40%, nationally 35%."),
        ChartBar("Never", 10.0, None, None, 12.0, "Here 10%, nationally 12%."),
    ]
    return [
        comparison_chart(chart_id="c", title="Q4", bars=bars),
        bar_chart(chart_id="d", title="By day", bars=[("Mon 01 Dec", 3), ("Tue 02 Dec", 5)]),
    ]


def test_chart_text_and_lines_are_drawn_in_the_colour_of_the_page_text():
    for svg in charts():
        texts = re.findall(r"<text[^>]*>", svg)
        assert texts
        for tag in texts:
            assert 'fill="currentColor"' in tag, tag
        for tag in re.findall(r"<(?:path|line)[^>]*>", svg):
            assert 'stroke="currentColor"' in tag or 'class="collab-chart__grid"' in tag, tag
        assert "#0b0c0c" not in svg


def test_every_coloured_shape_has_a_class_the_stylesheet_colours():
    for svg in charts():
        for tag in re.findall(r"<rect[^>]*>", svg):
            assert re.search(r'class="collab-chart__(local|national)"', tag), tag
    css = (Path(__file__).parents[2] / "static/css/officers.css").read_text()
    forced = css[css.index("@media (forced-colors: active)") :]
    for name in ("local", "national", "grid"):
        assert f".collab-chart__{name}" in forced
