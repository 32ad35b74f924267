"""Paper and telephone forms as councils receive them: the version printed on the form, its
REF and the day it came back, and questions left blank (item non-response), entered by hand
and by import, stored as not answered, left out of each question's base and counted on the
report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from results.comparison import survey_compare
from results.selectors import survey_not_answered
from results.topline import survey_topline
from surveys.imports import UploadRejected, responses_csv, responses_import
from surveys.models import Answer, NotAnswered, Response
from surveys.services import response_record, spec_for
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B, post_data

DIGNITY = "Treating people with dignity and respect"  # Q3, version A only
OUTCOME = "The final outcome is much more important"  # Q3, version B only


def _url(survey) -> str:
    return reverse("officers:paper", args=[survey.slug])


def _start(client, survey, **fields):
    return client.post(_url(survey), {"action": "start", **fields})


def _enter_pages(client, survey, answers: dict) -> None:
    url = _url(survey)
    for page in spec_for(survey).pages:
        posted = client.post(
            f"{url}?page={page.position}",
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
        )
        assert posted.status_code == 302, posted.content.decode()[:3000]


def _gaps(response) -> set[tuple[str, str]]:
    return {
        (row.question.code, row.item.code if row.item_id else "")
        for row in NotAnswered.objects.filter(response=response).select_related("question", "item")
    }


def _page_of(client, survey, code: str, answers: dict) -> int:
    """The page a question is on, having entered the pages before it."""
    url = _url(survey)
    for page in spec_for(survey).pages:
        codes = [q.code for q in page.questions]
        if code in codes:
            return page.position
        client.post(
            f"{url}?page={page.position}", {"action": "continue", **post_data(answers, codes)}
        )
    raise AssertionError(code)


# ---------------------------------------------------------------------------------------------
# Entered by hand


def test_a_paper_form_with_two_questions_left_blank_is_entered_by_hand(
    officer_client, officer, survey
):
    start = _start(officer_client, survey, mode="paper", split_arm="A", reference="R000123")
    assert start.status_code == 302
    response = Response.objects.get()
    assert (response.split_arm, response.ref) == ("A", "R000123")
    assert response.received_on == timezone.localdate()  # left as it was: today
    page = officer_client.get(f"{_url(survey)}?page=1").content.decode()
    assert "Leave a question blank if the form has no answer" in page

    blank = {k: v for k, v in ANSWERS_A.items() if k not in ("Q2", "Q8")}
    _enter_pages(officer_client, survey, blank)
    check = officer_client.get(f"{_url(survey)}?page=check").content.decode()
    assert check.count("Not answered") >= 2
    assert "R000123" in check
    stored = officer_client.post(f"{_url(survey)}?page=check", {"action": "store"})

    assert stored.status_code == 302
    response.refresh_from_db()
    assert response.is_complete and response.entered_by == officer
    # Two questions not answered; the version B statement of Q3 was not asked, so it is not
    # among them.
    assert _gaps(response) == {("Q2", ""), ("Q8", "")}
    assert not Answer.objects.filter(response=response, question__code__in=["Q2", "Q8"]).exists()
    assert Answer.objects.filter(response=response, question__code="Q1").exists()


def test_a_version_a_form_shows_only_version_a_statements(officer_client, survey):
    _start(officer_client, survey, mode="paper", split_arm="A")
    number = _page_of(officer_client, survey, "Q3", ANSWERS_A)

    page = officer_client.get(f"{_url(survey)}?page={number}").content.decode()

    assert DIGNITY in page
    assert OUTCOME not in page
    assert "version A" in page


def test_a_version_b_form_shows_only_version_b_statements(officer_client, survey):
    _start(officer_client, survey, mode="paper", split_arm="B")
    number = _page_of(officer_client, survey, "Q3", ANSWERS_B)

    page = officer_client.get(f"{_url(survey)}?page={number}").content.decode()

    assert OUTCOME in page
    assert DIGNITY not in page


def test_a_paper_form_needs_its_version(officer_client, survey):
    refused = _start(officer_client, survey, mode="paper")

    assert refused.status_code == 400
    assert "Choose the version printed on the form" in refused.content.decode()
    assert not Response.objects.exists()


def test_a_ref_already_stored_is_refused_and_named(officer_client, survey):
    header, row = responses_csv(spec=spec_for(survey), drafts=[("A", ANSWERS_A)]).splitlines()
    responses_import(survey=survey, text=f"{header},REF\n{row},R000123\n")
    assert Response.objects.get().ref == "R000123"

    refused = _start(officer_client, survey, mode="paper", split_arm="A", reference="R000123")

    assert refused.status_code == 400
    body = refused.content.decode()
    assert "REF R000123 is already stored for this survey" in body
    assert Response.objects.count() == 1


def test_a_ref_being_entered_is_refused_to_a_second_entry(officer_client, officer, survey):
    from surveys.services import response_start

    response_start(survey=survey, mode="paper", entered_by=officer, split_arm="A", ref="R9")

    refused = _start(officer_client, survey, mode="paper", split_arm="A", reference="R9")

    assert refused.status_code == 400
    assert "REF R9 is being entered already" in refused.content.decode()


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "cannot be in the future"), (-5, "cannot be before the survey opened")],
    ids=["future", "before-opening"],
)
def test_the_date_received_is_checked(officer_client, survey, days, message):
    survey.opens_at = timezone.now() - dt.timedelta(days=1)
    survey.save(update_fields=["opens_at"])
    day = timezone.localdate() + dt.timedelta(days=days)

    refused = _start(
        officer_client, survey, mode="paper", split_arm="A", received_on=day.isoformat()
    )

    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert not Response.objects.exists()


def test_the_date_received_is_stored(officer_client, survey):
    yesterday = timezone.localdate() - dt.timedelta(days=1)  # the survey opened a day ago

    _start(officer_client, survey, mode="paper", split_arm="B", received_on=yesterday.isoformat())

    assert Response.objects.get().received_on == yesterday


def test_telephone_entry_keeps_the_random_version_and_accepts_a_blank_question(
    officer_client, survey
):
    start = _start(officer_client, survey, mode="telephone")
    assert start.status_code == 302
    response = Response.objects.get()
    assert response.split_arm in ("A", "B")
    assert response.received_on is None
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B

    _enter_pages(officer_client, survey, {k: v for k, v in answers.items() if k != "HOUSEHOLD"})
    officer_client.post(f"{_url(survey)}?page=check", {"action": "store"})

    response.refresh_from_db()
    assert response.is_complete and response.mode == "telephone"
    assert _gaps(response) == {("HOUSEHOLD", "")}


def test_residents_online_must_still_answer_every_required_question(survey):
    from surveys.errors import ResponseInvalid

    with pytest.raises(ResponseInvalid):
        response_record(
            survey=survey,
            answers={k: v for k, v in ANSWERS_A.items() if k != "Q2"},
            mode="online",
            split_arm="A",
        )


# ---------------------------------------------------------------------------------------------
# Imported


def _blank_csv(survey, drafts) -> str:
    return responses_csv(spec=spec_for(survey), drafts=drafts)


def test_a_paper_form_with_two_questions_left_blank_is_imported(
    officer_client, survey, django_capture_on_commit_callbacks
):
    # One left empty, one written "-": both mean not answered.
    blank = {**{k: v for k, v in ANSWERS_A.items() if k != "Q2"}, "Q8": "-"}
    text = _blank_csv(survey, [("A", blank), ("B", ANSWERS_B)])

    with django_capture_on_commit_callbacks(execute=True):
        queued = officer_client.post(
            reverse("officers:responses_upload", args=[survey.slug]),
            {"file": SimpleUploadedFile("paper.csv", text.encode())},
        )

    assert queued.status_code == 302
    assert "Imported" in officer_client.get(queued.url).content.decode()
    gappy = Response.objects.get(split_arm="A")
    assert _gaps(gappy) == {("Q2", ""), ("Q8", "")}
    assert not _gaps(Response.objects.get(split_arm="B"))


def test_the_import_reads_the_date_received(survey):
    text = _blank_csv(survey, [("A", ANSWERS_A), ("B", ANSWERS_B)])
    header, first, second = text.splitlines()
    today = timezone.localdate()
    text = f"{header},RECEIVED\n{first},{today:%d/%m/%Y}\n{second},\n"

    responses_import(survey=survey, text=text)

    assert set(Response.objects.values_list("split_arm", "received_on")) == {
        ("A", today),
        ("B", None),
    }


def test_the_import_refuses_a_date_received_in_the_future(survey):
    text = _blank_csv(survey, [("A", ANSWERS_A)])
    header, row = text.splitlines()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(UploadRejected) as error:
        responses_import(survey=survey, text=f"{header},RECEIVED\n{row},{tomorrow}\n")

    [problem] = error.value.problems
    assert (problem.row, problem.column) == (2, "RECEIVED")
    assert "future" in problem.message
    assert not Response.objects.exists()


# ---------------------------------------------------------------------------------------------
# Figures


@pytest.fixture
def twelve_blank(survey):
    """24 paper forms: 12 answer everything, 12 leave Q2 and Q7 blank."""
    blank = {k: v for k, v in ANSWERS_A.items() if k not in ("Q2", "Q7")}
    drafts = [("A", {**ANSWERS_A, "HOUSEHOLD": n}) for n in range(1, 13)]
    drafts += [("A", {**blank, "HOUSEHOLD": n}) for n in range(1, 13)]
    responses_import(survey=survey, text=_blank_csv(survey, drafts))
    return survey


def test_the_base_leaves_out_those_who_did_not_answer_and_counts_them(twelve_blank):
    survey = twelve_blank

    assert survey_not_answered(survey=survey, question_codes=["Q2", "Q7", "Q8"]) == {
        ("Q2", ""): 12,
        ("Q7", ""): 12,
    }
    topline = {q.code: q for q in survey_topline(survey=survey, weighted=False)}
    [q2] = topline["Q2"].items
    [q7] = topline["Q7"].items
    [q8] = topline["Q8"].items
    assert (q2.base, q2.not_answered, q2.not_answered_text) == (12, 12, "12 not answered")
    assert (q7.base, q7.not_answered) == (12, 12)
    # Nobody left Q8 blank: the count under the threshold reads as the disclosure policy says.
    assert (q8.base, q8.not_answered_text) == (24, "fewer than 10 not answered")
    chosen = next(r for r in q2.rows if r.option == ANSWERS_A["Q2"])
    assert chosen.percent == pytest.approx(100)


def test_the_comparison_bases_follow_each_questions_answers(twelve_blank):
    comparison = survey_compare(survey=twelve_blank, weighted=False)

    rows = [r for r in comparison.rows if r.question in ("Q2", "Q7") and not r.suppressed]
    assert rows, "the 2014 report publishes figures for Q2 and Q7"
    assert {r.base for r in rows} == {12}
    others = [r for r in comparison.rows if r.question == "Q8" and not r.suppressed]
    assert {r.base for r in others} == {24}


def test_the_report_shows_how_many_did_not_answer(client, officer, twelve_blank):
    client.force_login(officer)

    page = client.get(reverse("officers:report", args=[twelve_blank.slug])).content.decode()

    assert "12 not answered" in page
    assert "Fewer than 10 not answered" in page  # Q8, answered by everyone


def test_the_excel_export_counts_those_who_did_not_answer(twelve_blank):
    import io

    from openpyxl import load_workbook

    from officers.exports import xlsx_content

    content = xlsx_content(survey=twelve_blank, weighted=False, progress=lambda n: None)

    book = load_workbook(io.BytesIO(content))
    q2 = {row[1]: row[2] for row in book["Q2"].iter_rows(min_row=3, values_only=True)}
    q8 = {row[1]: row[2] for row in book["Q8"].iter_rows(min_row=3, values_only=True)}
    assert (q2["Base (answered)"], q2["Not answered"]) == (12, 12)
    assert (q8["Base (answered)"], q8["Not answered"]) == (24, "fewer than 10")
