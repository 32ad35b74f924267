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


LONG = "Treating people with dignity and respect: agree strongly or tend to agree"


def test_long_labels_are_wrapped_whole_never_cut():
    svg = comparison_chart(
        chart_id="q3",
        title="Q3",
        bars=[ChartBar(LONG, 40.0, 30.0, 50.0, 35.0, "x"), ChartBar("Never", 10.0, 8, 12, 12, "y")],
    )
    spans = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(spans[:-1]) == LONG
    assert 'font-family="Arial, Helvetica, sans-serif"' in svg
    for tick in ("0%", "20%", "40%", "60%", "80%", "100%"):
        assert f">{tick}</text>" in svg


def test_a_value_is_written_beyond_its_interval_whisker_and_never_as_minus_zero():
    svg = comparison_chart(
        chart_id="c", title="Q", bars=[ChartBar("A", 40.0, 30.0, 50.0, -0.2, "x")]
    )
    whisker_end = 300 + 380 * 0.5
    value_x = float(re.search(r'<text x="([\d.]+)"[^>]*font-weight="bold"', svg).group(1))
    assert value_x > whisker_end
    assert "-0" not in re.sub(r"<[^>]*>", " ", svg)
    assert ">0% national<" in svg


def test_national_bars_differ_from_local_by_shape_not_only_colour():
    svg = comparison_chart(chart_id="c", title="Q", bars=[ChartBar("A", 40.0, 30, 50, 35.0, "x")])
    national = re.findall(r'<rect[^>]*class="collab-chart__national"[^>]*>', svg)
    assert national and all("stroke-dasharray" in tag and 'fill="none"' in tag for tag in national)


def test_a_chart_downloads_as_svg_and_as_png_at_300_dpi(officer_client, seeded):
    import io

    from django.urls import reverse
    from PIL import Image

    page = officer_client.get(reverse("officers:report", args=[seeded.slug])).content.decode()
    section = next(
        s
        for s in officer_client.get(reverse("officers:report", args=[seeded.slug]))
        .context["report"]
        .sections
        if s.chart
    )
    svg_url = reverse("officers:report_chart", args=[seeded.slug, section.code, "svg"])
    assert svg_url in page
    svg = officer_client.get(svg_url)
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<?xml")
    png = officer_client.get(
        reverse("officers:report_chart", args=[seeded.slug, section.code, "png"])
    )
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    width_px = int(re.search(rb'width="(\d+)"', svg.content).group(1))
    assert image.width >= width_px * 300 / 96 - 1
    assert round(image.info["dpi"][0]) == 300
    # Pasted into a paper, the chart still says what it shows: its question above it, and
    # which responses, how many and the national source below it.
    text = svg.content.decode()
    assert f"{section.code}: " in text and section.text[:40] in text
    respondents = (
        officer_client.get(reverse("officers:report", args=[seeded.slug]))
        .context["report"]
        .comparison.respondents
    )
    assert f"{respondents:,} complete responses (All complete responses)" in text
    assert "The Collaborative Citizen (Collaborate, 2014)" in text
    missing = officer_client.get(
        reverse("officers:report_chart", args=[seeded.slug, "NOPE", "svg"])
    )
    assert missing.status_code == 404
