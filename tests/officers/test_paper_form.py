"""The printable paper questionnaire: what each version asks, its marks, its print sizes, who
may open it, and its PDF (officers/paper_form.py)."""

from __future__ import annotations

import io
import re
from html import unescape

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from officers import paper_form
from surveys.models import Council, Item, Membership, Survey
from surveys.services import spec_for

Role = Membership.Role


def _page(client, survey, version, **query) -> str:
    response = client.get(reverse("officers:paper_form", args=[survey.slug, version]), query)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _split_items() -> dict[str, list[str]]:
    items = Item.objects.filter(question__questionnaire__slug="collaborative-citizen-2014")
    by_arm: dict[str, list[str]] = {"A": [], "B": []}
    for item in items.exclude(split_arm=""):
        by_arm[item.split_arm].append(item.text)
    return by_arm


def test_each_version_asks_its_own_statements_and_not_the_others(officer_client, survey):
    statements = _split_items()
    assert statements["A"] and statements["B"]

    for version, other in (("A", "B"), ("B", "A")):
        text = _text(_page(officer_client, survey, version))
        assert all(s in text for s in statements[version]), version
        assert not any(s in text for s in statements[other]), version


def test_the_form_asks_what_a_resident_of_that_version_is_asked_in_the_same_order(survey):
    spec = spec_for(survey)
    for version in paper_form.VERSIONS:
        online = [q for page in spec.pages for q in page.questions]
        printed = paper_form.paper_form(survey=survey, version=version).questions
        assert [q.code for q in printed] == [q.code for q in online]
        for asked, on_paper in zip(online, printed, strict=True):
            assert [o.code for o in on_paper.options] == [o.code for o in asked.options]
            if asked.kind == "grid":
                assert [i.code for i in on_paper.rows] == [i.code for i in asked.items_for(version)]
        assert [q.number for q in printed] == list(range(1, len(printed) + 1))


def test_every_question_option_and_row_is_on_the_page(officer_client, survey):
    form = paper_form.paper_form(survey=survey, version="A")
    html = _page(officer_client, survey, "A")
    text = _text(html)
    for q in form.questions:
        assert q.text in text
        assert all(o.label in text for o in q.options), q.code
        block = html[html.index(f'id="question-{q.code}"') :]
        block = block[: block.index("</div>\n      ") if "</div>\n      " in block else None]
        if q.kind == "grid":
            # A box in every cell: one per row and option.
            assert block.count('class="box"') >= len(q.rows) * len(q.options)
    # The council's areas are the area question's boxes.
    assert all(name in text for name in ("North ward", "South ward", "East ward"))


def test_the_instructions_follow_each_kind(survey):
    form = {q.code: q for q in paper_form.paper_form(survey=survey, version="A").questions}
    assert form["Q1"].instruction == "Tick up to two boxes."
    assert form["Q7"].instruction == "Tick up to three boxes."
    assert form["Q2"].instruction == "Tick one box."
    assert form["AREA"].instruction == "Tick one box."
    assert form["Q4"].instruction == "Tick one box in each row."
    assert form["HOUSEHOLD"].digits == 2  # up to 20
    assert form["COMMENTS"].lines >= paper_form.TEXT_LINES_MIN
    assert "None of these" in form["Q1"].exclusive_note


def test_the_ref_box_and_the_version_are_printed(officer_client, survey):
    for version in ("A", "B"):
        html = _page(officer_client, survey, version)
        assert re.search(r'<div class="ref-box" id="ref-box">\s*<p class="ref-label">REF</p>', html)
        assert f'<p class="version-mark" id="version-mark">Version {version}</p>' in html
        # On every printed page: the page's margin boxes carry the version and page numbers.
        top_right = re.search(r"@top-right \{ content: ([^;]+);", html)[1]
        assert top_right == f'"Version {version}"'
        assert 'counter(page) " of " counter(pages)' in html


def test_the_council_its_privacy_notice_and_return_address_are_on_the_form(officer_client, survey):
    council = survey.council
    council.return_address = "Riverside Borough Council\nFreepost RV1 1AA"
    council.save()
    text = _page(officer_client, survey, "A")
    assert council.name in text
    assert survey.privacy_notice in text
    assert "Freepost RV1 1AA" in text
    assert survey.contact in text


def test_large_print_uses_16pt_text_and_bigger_boxes(officer_client, survey):
    def sizes(html: str) -> tuple[float, float]:
        text = float(re.search(r"--text: ([\d.]+)pt;", html)[1])
        box = float(re.search(r"--box: ([\d.]+)mm;", html)[1])
        return text, box

    standard = sizes(_page(officer_client, survey, "A"))
    large_page = _page(officer_client, survey, "A", print="large")
    large = sizes(large_page)
    assert large[0] >= 16 > standard[0]
    assert large[1] > standard[1]
    # No text smaller than 16 point anywhere on the large-print form, its page margins too.
    style = large_page[large_page.index("<style") : large_page.index("</style>")]
    assert min(float(size) for size in re.findall(r"([\d.]+)pt", style)) >= 16


def test_a_title_cannot_break_out_of_the_page_style(officer_client, survey):
    survey.title = 'Views"; } </style><script>alert(1)</script>'
    survey.save()
    html = _page(officer_client, survey, "A")
    footer = re.search(r"@bottom-left \{ content: \"([^\"]*)\";", html)[1]
    assert not set(footer) & set("\"'<>;{}")
    assert "<script>" not in html
    assert html.count("</style>") == 1


def test_an_unknown_version_is_a_404(officer_client, survey):
    for version in ("C", "a"):
        url = reverse("officers:paper_form", args=[survey.slug, version])
        assert officer_client.get(url).status_code == 404


def test_another_councils_officer_gets_a_404(client, survey, other_officer):
    client.force_login(other_officer)
    for name, args in [
        ("officers:paper_forms", [survey.slug]),
        ("officers:paper_form", [survey.slug, "A"]),
        ("officers:paper_form_pdf", [survey.slug, "B"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404


@pytest.mark.parametrize("role", [Role.OFFICER, Role.RESEARCH_OFFICER, Role.COUNCIL_ADMIN])
def test_everyone_who_enters_paper_returns_may_print_the_form(client, survey, role):
    user = User.objects.create_user(f"someone-{role}", password="not-a-real-password-9")
    Membership.objects.create(user=user, council=survey.council, role=role)
    client.force_login(user)
    assert client.get(reverse("officers:paper_forms", args=[survey.slug])).status_code == 200


def test_a_draft_survey_prints_as_a_marked_proof(officer_client, survey):
    assert "Proof copy" not in _page(officer_client, survey, "A")
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)
    assert "Proof copy" in _page(officer_client, survey, "A")


def test_the_choice_page_links_each_version_and_size(officer_client, survey):
    html = officer_client.get(reverse("officers:paper_forms", args=[survey.slug])).content.decode()
    for version in ("A", "B"):
        page = reverse("officers:paper_form", args=[survey.slug, version])
        pdf = reverse("officers:paper_form_pdf", args=[survey.slug, version])
        assert f'href="{page}"' in html and f'href="{page}?print=large"' in html
        assert f'href="{pdf}"' in html and f'href="{pdf}?print=large"' in html


def test_the_paper_entry_page_links_the_printable_form(officer_client, survey):
    html = officer_client.get(reverse("officers:paper", args=[survey.slug])).content.decode()
    assert reverse("officers:paper_forms", args=[survey.slug]) in html


def test_the_letters_page_links_the_printable_form(client, survey):
    forms = reverse("officers:paper_forms", args=[survey.slug])
    user = User.objects.create_user("fieldwork", password="not-a-real-password-9")
    Membership.objects.create(user=user, council=survey.council, role=Role.COUNCIL_ADMIN)
    client.force_login(user)
    assert forms in client.get(reverse("officers:letters", args=[survey.slug])).content.decode()


def test_the_admins_survey_page_links_the_printable_form(admin_client, survey):
    page = admin_client.get(reverse("admin:surveys_survey_change", args=[survey.pk]))
    assert reverse("officers:paper_forms", args=[survey.slug]) in page.content.decode()


def _pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(io.BytesIO(content))
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    # pdfium marks a hyphen where a line broke as U+FFFE.
    return re.sub(r"\s+", " ", text.replace("\ufffe", "-"))


@pytest.mark.skipif(not paper_form.pdf_available(), reason="WeasyPrint cannot start here")
@pytest.mark.parametrize("version", ["A", "B"])
def test_the_pdf_holds_every_question_of_its_version(officer_client, survey, version):
    response = officer_client.get(reverse("officers:paper_form_pdf", args=[survey.slug, version]))
    assert response["Content-Type"] == "application/pdf"
    assert f"questionnaire-{version}.pdf" in response["Content-Disposition"]
    content = response.content
    pdf = pdfium.PdfDocument(io.BytesIO(content))
    width, height = pdf[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _pdf_text(content)
    squash = re.sub(r"\s+", "", text)
    form = paper_form.paper_form(survey=survey, version=version)
    for q in form.questions:
        assert re.sub(r"\s+", "", q.text) in squash, q.code
        for row in q.rows:
            assert re.sub(r"\s+", "", row.text) in squash, (q.code, row.code)
    other = "B" if version == "A" else "A"
    assert not any(re.sub(r"\s+", "", s) in squash for s in _split_items()[other])
    # Every page carries the version and its number.
    for number, page in enumerate(pdf, start=1):
        page_text = page.get_textpage().get_text_range()
        assert f"Version {version}" in page_text
        assert f"Page {number} of {len(pdf)}" in page_text
    assert "REF" in text


@pytest.mark.skipif(not paper_form.pdf_available(), reason="WeasyPrint cannot start here")
def test_the_large_print_pdf_is_longer(officer_client, survey):
    url = reverse("officers:paper_form_pdf", args=[survey.slug, "A"])
    standard = pdfium.PdfDocument(io.BytesIO(officer_client.get(url).content))
    large = pdfium.PdfDocument(io.BytesIO(officer_client.get(url, {"print": "large"}).content))
    assert len(large) > len(standard)


def test_without_weasyprint_the_pdf_link_says_why(officer_client, survey, monkeypatch):
    def missing():
        raise paper_form.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(paper_form, "_weasyprint", missing)
    response = officer_client.get(reverse("officers:paper_form_pdf", args=[survey.slug, "A"]))
    assert response.status_code == 503
    assert "Pango" in response.content.decode()
    page = officer_client.get(reverse("officers:paper_forms", args=[survey.slug]))
    assert 'id="pdf-unavailable"' in page.content.decode()
    assert reverse("officers:paper_form_pdf", args=[survey.slug, "A"]) not in page.content.decode()


def test_a_logo_is_read_from_media_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    (tmp_path / "council-logos").mkdir()
    (tmp_path / "council-logos" / "logo.png").write_bytes(b"\x89PNG\r\n")
    got = paper_form._media_only("http://collab.invalid/media/council-logos/logo.png")
    assert got["mime_type"] == "image/png"
    for url in (
        "http://collab.invalid/media/../secret.txt",
        "http://collab.invalid/static/x.png",
        "http://elsewhere.example/media/council-logos/logo.png",
    ):
        with pytest.raises(ValueError):
            paper_form._media_only(url)


def test_no_council_is_named_in_another_councils_form(officer_client, survey, other_survey):
    assert Council.objects.count() == 2
    text = _page(officer_client, survey, "A")
    assert other_survey.council.name not in text
