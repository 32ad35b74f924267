"""The paper questionnaire as it comes out of a printer: Chromium prints each version to PDF
(Page.printToPDF, the call behind its Print dialog's "Save as PDF"), page 1 is turned into an
image, and the REF box and the version mark are looked for where the page's layout put them.
The PDF download (WeasyPrint) is rendered and read the same way."""

from __future__ import annotations

import base64
import io
import re

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect

from officers import paper_form
from surveys.models import Item
from tests.browser.conftest import DESKTOP
from tests.browser.officer import officer_make, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MM_PER_INCH = 25.4
CSS_PX_PER_MM = 96 / MM_PER_INCH
# The @page margins of templates/officers/paper_form/questionnaire.html.
MARGIN_TOP_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 18, 16, 16
A4_MM = (210, 297)
SCALE = 3  # image pixels per PDF point: about 216 dots per inch
DARK = 100  # a grey level this dark or darker is ink


def _print_layout(page: Page) -> dict[str, dict[str, float]]:
    """Where the REF box and the version mark sit on paper, in millimetres from the sheet's
    top left: the page laid out for print at the width between the @page margins."""
    content_mm = A4_MM[0] - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
    viewport = page.viewport_size
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(content_mm * CSS_PX_PER_MM), "height": 1100})
    try:
        rects = page.evaluate(
            """() => Object.fromEntries(['ref-box', 'version-mark'].map(id => {
                const r = document.getElementById(id).getBoundingClientRect();
                return [id, {left: r.left, top: r.top, right: r.right, bottom: r.bottom}];
            }))"""
        )
    finally:
        page.emulate_media(media="null")  # back to no emulation: printing uses print media
        page.set_viewport_size(viewport)
    return {
        name: {
            "left": MARGIN_LEFT_MM + r["left"] / CSS_PX_PER_MM,
            "right": MARGIN_LEFT_MM + r["right"] / CSS_PX_PER_MM,
            "top": MARGIN_TOP_MM + r["top"] / CSS_PX_PER_MM,
            "bottom": MARGIN_TOP_MM + r["bottom"] / CSS_PX_PER_MM,
        }
        for name, r in rects.items()
    }


def print_to_pdf(page: Page) -> bytes:
    cdp = page.context.new_cdp_session(page)
    try:
        result = cdp.send(
            "Page.printToPDF",
            {"preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False},
        )
    finally:
        cdp.detach()
    return base64.b64decode(result["data"])


def _grey(pdf: pdfium.PdfDocument, index: int = 0):
    return pdf[index].render(scale=SCALE).to_pil().convert("L")


def _px(mm: float) -> int:
    return round(mm / MM_PER_INCH * 72 * SCALE)


def _dark_near(image, x: int, y: int, *, reach: int = 6, axis: str) -> bool:
    """Ink within ``reach`` pixels of (x, y), looking across the line (along ``axis``)."""
    for d in range(-reach, reach + 1):
        px = (x + d, y) if axis == "x" else (x, y + d)
        if image.getpixel(px) <= DARK:
            return True
    return False


def _assert_ref_box(image, box: dict[str, float]) -> None:
    left, right, top, bottom = (_px(box[k]) for k in ("left", "right", "top", "bottom"))
    assert right - left > _px(40) and bottom - top > _px(10), box  # room to write a reference
    # Its four sides are unbroken dark lines where the layout put them.
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        y = round(top + (bottom - top) * fraction)
        x = round(left + (right - left) * fraction)
        assert _dark_near(image, left, y, axis="x"), ("left side", y)
        assert _dark_near(image, right, y, axis="x"), ("right side", y)
        assert _dark_near(image, x, top, axis="y"), ("top side", x)
        assert _dark_near(image, x, bottom, axis="y"), ("bottom side", x)
    # Inside, right of its label, the space to write in is blank.
    inner = image.crop((left + _px(20), top + _px(2), right - _px(2), bottom - _px(6)))
    assert inner.getextrema()[0] > 200
    # Just outside, the paper is blank too: the lines are the box's, not something else's.
    assert image.getpixel((left - _px(3), round((top + bottom) / 2))) > 200


def _version_in_pdf(pdf: pdfium.PdfDocument, version: str) -> list[tuple[float, ...]]:
    """Where "Version X" is written on page 1, as boxes in millimetres from the top left."""
    page = pdf[0]
    height = page.get_size()[1]
    text = page.get_textpage()
    searcher = text.search(f"Version {version}")
    boxes = []
    while (hit := searcher.get_next()) is not None:
        first, count = hit
        left, bottom, _, top = text.get_charbox(first)
        _, _, right, last_top = text.get_charbox(first + count - 1)
        to_mm = MM_PER_INCH / 72
        top = max(top, last_top)
        boxes.append(
            (left * to_mm, (height - top) * to_mm, right * to_mm, (height - bottom) * to_mm)
        )
    return boxes


def _statements(arm: str) -> list[str]:
    return list(
        Item.objects.filter(
            question__questionnaire__slug="collaborative-citizen-2014", split_arm=arm
        ).values_list("text", flat=True)
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\ufffe", "-"))


@pytest.mark.parametrize("version", ["A", "B"])
def test_chromium_prints_each_version_with_its_ref_box_and_version_mark(
    new_context, survey, settings, version
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP).new_page()
    sign_in(page, user)
    page.goto(f"/officer/surveys/{survey.slug}/paper/")
    page.get_by_role("link", name="Print the paper questionnaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper questionnaires")
    page.get_by_role("link", name=re.compile(rf"^Web page to print\W+Version {version}$")).click()
    expect(page.locator("#version-mark")).to_have_text(f"Version {version}")

    layout = _print_layout(page)
    pdf = pdfium.PdfDocument(io.BytesIO(print_to_pdf(page)))
    width, height = pdf[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4, from the page's own @page rule
    image = _grey(pdf)

    _assert_ref_box(image, layout["ref-box"])
    page_text = pdf[0].get_textpage().get_text_range()
    assert "REF" in page_text

    # The version mark: its text where the layout put it, and ink there in the image.
    mark = layout["version-mark"]
    found = _version_in_pdf(pdf, version)
    assert any(
        abs(left - mark["left"]) < 12 and top >= mark["top"] - 2 and bottom <= mark["bottom"] + 2
        for left, top, _, bottom in found
    ), (found, mark)
    region = image.crop(tuple(_px(mark[k]) for k in ("left", "top", "right", "bottom")))
    assert sum(region.histogram()[: DARK + 1]) > 200  # dark pixels of the letters
    other = "B" if version == "A" else "A"
    # Every page carries its version and page number, and no page names the other version.
    for number in range(len(pdf)):
        text = pdf[number].get_textpage().get_text_range()
        assert f"Version {version}" in text
        assert f"Page {number + 1} of {len(pdf)}" in text
        assert f"Version {other}" not in text
    all_text = _squash(" ".join(p.get_textpage().get_text_range() for p in pdf))
    assert all(_squash(s) in all_text for s in _statements(version))
    assert not any(_squash(s) in all_text for s in _statements(other))


@pytest.mark.skipif(not paper_form.pdf_available(), reason="WeasyPrint cannot start here")
def test_the_pdf_download_renders_every_question_of_its_version(new_context, survey, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    sign_in(page, user)
    page.goto(f"/officer/surveys/{survey.slug}/paper/forms/")
    for version in ("A", "B"):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(rf"^PDF\W+Version {version}$")).click()
        pdf = pdfium.PdfDocument(info.value.path().read_bytes())
        image = _grey(pdf)
        darkest, lightest = image.getextrema()
        assert darkest <= DARK and lightest == 255  # ink on paper
        text = _squash(" ".join(p.get_textpage().get_text_range() for p in pdf))
        for q in paper_form.paper_form(survey=survey, version=version).questions:
            assert _squash(q.text) in text, q.code
            assert all(_squash(row.text) in text for row in q.rows), q.code
        assert _version_in_pdf(pdf, version)
        assert "REF" in pdf[0].get_textpage().get_text_range()
