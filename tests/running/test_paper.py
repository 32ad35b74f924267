"""Paper and telephone responses: entered by an officer on the residents' page forms, and
imported from CSV (page and command) all or nothing, with a report by row and column."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from surveys.imports import UploadRejected, responses_csv, responses_import
from surveys.models import Answer, AuditEntry, Response
from surveys.services import spec_for
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B, post_data


def _csv(survey, drafts) -> str:
    return responses_csv(spec=spec_for(survey), drafts=drafts)


# ---------------------------------------------------------------------------------------------
# Entry on the page forms


def test_an_officer_enters_a_paper_questionnaire_page_by_page(officer_client, officer, survey):
    url = reverse("officers:paper", args=[survey.slug])
    start = officer_client.post(url, {"action": "start", "mode": "paper", "split_arm": "A"})
    assert start.status_code == 302
    response = Response.objects.get()
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    spec = spec_for(survey)

    for page in spec.pages:
        page_view = officer_client.get(f"{url}?page={page.position}")
        assert page_view.status_code == 200
        assert "surveys/_error_summary.html" in [t.name for t in page_view.templates]
        posted = officer_client.post(
            f"{url}?page={page.position}",
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
        )
        assert posted.status_code == 302, posted.content.decode()[:2000]

    # The last page leads to the check, and nothing is stored until the officer says so.
    assert posted.url == f"{url}?page=check"
    check = officer_client.get(posted.url)
    assert check.status_code == 200
    assert "Check the answers against the form" in check.content.decode()
    assert "surveys/_check_answers.html" in [t.name for t in check.templates]
    response.refresh_from_db()
    assert not response.is_complete
    assert not Answer.objects.exists()

    stored = officer_client.post(f"{url}?page=check", {"action": "store"})

    assert stored.status_code == 302
    assert stored.url == url
    response.refresh_from_db()
    assert response.is_complete
    assert (response.mode, response.entered_by) == ("paper", officer)
    assert Answer.objects.filter(response=response).exists()
    entry = AuditEntry.objects.get(action="response_entered")
    assert entry.actor == officer
    assert entry.detail["mode"] == "paper"


def _entered_to_the_check(client, survey, mode: str = "paper") -> tuple[str, Response]:
    url = reverse("officers:paper", args=[survey.slug])
    client.post(url, {"action": "start", "mode": mode, "split_arm": "A"})
    response = Response.objects.get()
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    for page in spec_for(survey).pages:
        client.post(
            f"{url}?page={page.position}",
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
        )
    return url, response


def test_the_check_shows_the_answers_with_links_to_change_them(officer_client, survey):
    url, _ = _entered_to_the_check(officer_client, survey, mode="telephone")

    check = officer_client.get(f"{url}?page=check").content.decode()

    assert "notes of the call" in check
    assert "South ward" in check  # the area, as the kinds display it
    for page in spec_for(survey).pages:
        assert f"{url}?page={page.position}&amp;return=check" in check


def test_a_mistake_corrected_from_the_check_is_what_is_stored(officer_client, officer, survey):
    url, response = _entered_to_the_check(officer_client, survey)
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    assert answers["Q2"] != "same_for_everyone"
    first_page = [q.code for q in spec_for(survey).page(1).questions]

    change = officer_client.get(f"{url}?page=1&return=check")
    assert 'name="return" value="check"' in change.content.decode()
    back = officer_client.post(
        f"{url}?page=1",
        {
            "action": "continue",
            "return": "check",
            **post_data({**answers, "Q2": "same_for_everyone"}, first_page),
        },
    )

    assert back.url == f"{url}?page=check"
    assert "same services for everyone" in officer_client.get(back.url).content.decode()
    officer_client.post(f"{url}?page=check", {"action": "store"})
    response.refresh_from_db()
    assert response.is_complete
    assert response.draft["Q2"] == "same_for_everyone"
    assert Answer.objects.filter(response=response, question__code="Q2").get().option.code == (
        "same_for_everyone"
    )


def test_the_check_is_not_shown_before_every_page_is_entered(officer_client, survey):
    url = reverse("officers:paper", args=[survey.slug])
    officer_client.post(url, {"action": "start", "mode": "paper", "split_arm": "A"})

    check = officer_client.get(f"{url}?page=check")

    assert check.status_code == 302
    assert check.url == f"{url}?page=1"


def test_the_check_lists_problems_and_stores_nothing(officer_client, survey):
    url, response = _entered_to_the_check(officer_client, survey)
    Response.objects.filter(pk=response.pk).update(draft={**response.draft, "Q2": "not-a-code"})

    refused = officer_client.post(f"{url}?page=check", {"action": "store"})

    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is a problem" in body
    assert f"{url}?page=1&amp;return=check" in body
    response.refresh_from_db()
    assert not response.is_complete
    assert not Answer.objects.exists()
    assert not AuditEntry.objects.filter(action="response_entered").exists()


def test_storing_twice_stores_once(officer_client, survey):
    url, _ = _entered_to_the_check(officer_client, survey)

    officer_client.post(f"{url}?page=check", {"action": "store"})
    again = officer_client.post(f"{url}?page=check", {"action": "store"})

    assert again.status_code == 200  # the start page for the next questionnaire
    assert Response.objects.filter(status="complete").count() == 1
    assert AuditEntry.objects.filter(action="response_entered").count() == 1


def test_discarding_from_the_check_stores_nothing(officer_client, survey):
    url, _ = _entered_to_the_check(officer_client, survey)

    confirm = officer_client.post(f"{url}?page=check", {"action": "cancel"})

    assert "Discard this entry?" in confirm.content.decode()
    assert f'href="{url}?page=check"' in confirm.content.decode()
    assert Response.objects.exists()  # nothing lost before the officer confirms
    officer_client.post(url, {"action": "discard"})
    assert not Response.objects.exists()
    assert AuditEntry.objects.filter(action="paper_entry_discarded").exists()


def test_paper_entry_shows_the_residents_errors_and_stores_nothing(officer_client, survey):
    url = reverse("officers:paper", args=[survey.slug])
    officer_client.post(url, {"action": "start", "mode": "telephone"})

    # A question left blank is not answered (no error); an answer that is not one is refused.
    response = officer_client.post(f"{url}?page=1", {"action": "continue", "Q2": "not-a-code"})

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Select one of the answers listed" in response.content.decode()
    assert Response.objects.get().mode == "telephone"
    assert not Answer.objects.exists()


def test_discarding_an_entry_removes_it(officer_client, survey):
    url = reverse("officers:paper", args=[survey.slug])
    officer_client.post(url, {"action": "start", "mode": "paper", "split_arm": "A"})

    officer_client.post(f"{url}?page=1", {"action": "cancel"})
    assert Response.objects.exists()
    officer_client.post(url, {"action": "discard"})

    assert not Response.objects.exists()


def test_an_officer_cannot_continue_another_officers_entry(client, officer, survey):
    from django.contrib.auth.models import User

    colleague = User.objects.create_user("colleague", password="not-a-real-password-9")
    survey.council.members.add(colleague)
    client.force_login(officer)
    url = reverse("officers:paper", args=[survey.slug])
    client.post(url, {"action": "start", "mode": "paper", "split_arm": "A"})
    session_entries = client.session["collab_paper_entries"]

    client.force_login(colleague)
    session = client.session
    session["collab_paper_entries"] = session_entries
    session.save()
    page = client.get(f"{url}?page=1")

    assert "Start entering" in page.content.decode()


# ---------------------------------------------------------------------------------------------
# Import


def test_a_valid_file_imports_every_row_with_its_mode_and_answers(survey, officer):
    text = _csv(survey, [("A", ANSWERS_A), ("B", ANSWERS_B), ("A", {**ANSWERS_A, "HOUSEHOLD": 2})])

    assert responses_import(survey=survey, text=text, entered_by=officer) == 3

    responses = Response.objects.filter(survey=survey)
    assert responses.count() == 3
    assert set(responses.values_list("mode", "status")) == {("paper", "complete")}
    assert set(responses.values_list("entered_by", flat=True)) == {officer.pk}
    assert responses.filter(area__code="south").count() == 3
    # The same rows a resident's online answers make: compare one with response_record's.
    from surveys.services import response_record

    online = response_record(survey=survey, answers=ANSWERS_A, mode="paper", split_arm="A")
    imported = responses.filter(split_arm="A").exclude(pk=online.pk).first()

    def rows(response):
        return sorted(
            Answer.objects.filter(response=response).values_list(
                "question_id", "item_id", "option_id", "text_value", "number_value"
            ),
            key=str,
        )

    assert rows(imported) == rows(online)
    assert AuditEntry.objects.filter(action="responses_imported", detail__count=3).exists()


def test_mode_and_multi_values_are_read(survey):
    text = _csv(survey, [("A", ANSWERS_A)])
    text = text.replace("SPLIT_ARM,", "MODE,SPLIT_ARM,", 1)
    header, row = text.splitlines()
    text = f"{header}\ntelephone,{row}\n"

    responses_import(survey=survey, text=text)

    response = Response.objects.get()
    assert response.mode == "telephone"
    assert sorted(response.draft["Q1"]) == sorted(ANSWERS_A["Q1"])


def _problems(survey, text) -> list[tuple]:
    with pytest.raises(UploadRejected) as error:
        responses_import(survey=survey, text=text)
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    return [(p.row, p.column, p.message) for p in error.value.problems]


def test_one_bad_row_among_good_ones_stores_nothing_and_is_named(survey):
    bad = {**ANSWERS_A, "Q2": "maybe"}
    text = _csv(survey, [("A", ANSWERS_A), ("A", bad), ("B", ANSWERS_B)])

    problems = _problems(survey, text)

    assert len(problems) == 1
    row, column, message = problems[0]
    assert (row, column) == (3, "Q2")
    assert "‘maybe’ is not an answer code" in message
    assert "equality_opportunity" in message


def test_validation_by_the_kinds_names_row_and_column(survey):
    too_many = {**ANSWERS_A, "Q7": ["understand_needs", "dignity_respect", "transparency", "local"]}
    # Blank cells are not answered on the form, never a problem (tests/running/
    # test_not_answered.py): only the answers given are checked.
    missing = {k: v for k, v in ANSWERS_B.items() if k != "SEX"}
    grid_gap = {**ANSWERS_A, "Q4": {"needs": "often"}}
    exclusive = {**ANSWERS_A, "Q1": ["none", "everyone"]}
    text = _csv(survey, [("A", too_many), ("B", missing), ("A", grid_gap), ("A", exclusive)])

    problems = {(row, column) for row, column, _ in _problems(survey, text)}

    assert problems == {(2, "Q7"), (5, "Q1")}


def test_a_statement_for_the_other_half_is_refused(survey):
    text = _csv(
        survey, [("B", {**ANSWERS_B, "Q3": {"outcome": "tend_agree", "dignity": "neither"}})]
    )

    [(row, column, message)] = _problems(survey, text)

    assert (row, column) == (2, "Q3_dignity")
    assert "Half B is not asked this statement" in message


def test_unknown_and_missing_columns_are_reported(survey):
    text = _csv(survey, [("A", ANSWERS_A)])
    header, row = text.splitlines()
    header = header.replace("Q2,", "Q2X,", 1)

    problems = _problems(survey, f"{header}\n{row}\n")

    assert (1, "Q2X", "Unknown column: not a question code of this questionnaire.") in problems
    assert any(p[:2] == (1, "Q2") and "Missing column" in p[2] for p in problems)


def test_a_bad_split_arm_and_duplicate_rows_are_reported(survey):
    text = _csv(survey, [("A", ANSWERS_A), ("A", ANSWERS_A), ("C", ANSWERS_A)])

    problems = _problems(survey, text)

    assert any(p[0] == 3 and "Duplicate of row 2" in p[2] for p in problems)
    assert any(p[:2] == (4, "SPLIT_ARM") for p in problems)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        ("SPLIT_ARM,Q1\nA,caf\xe9\n".encode("cp1252"), "not UTF-8"),
        (b"SPLIT_ARM\n", "header but no rows"),
    ],
)
def test_bad_files_are_refused_on_the_page(officer_client, survey, content, expected):
    response = officer_client.post(
        reverse("officers:responses_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("paper.csv", content)},
    )

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Response.objects.exists()


def test_the_page_lists_every_problem_in_a_table(
    officer_client, survey, django_capture_on_commit_callbacks
):
    text = _csv(survey, [("A", {**ANSWERS_A, "Q2": "x"}), ("B", {**ANSWERS_B, "AGE": "old"})])

    with django_capture_on_commit_callbacks(execute=True):
        queued = officer_client.post(
            reverse("officers:responses_upload", args=[survey.slug]),
            {"file": SimpleUploadedFile("paper.csv", ("\ufeff" + text).encode())},
        )
    assert queued.status_code == 302
    response = officer_client.get(queued.url)

    body = response.content.decode()
    assert "Refused: nothing was stored" in body
    assert "The file has 2 problems" in body
    assert "AGE" in body and "‘old’ is not an answer code" in body


def test_a_good_file_on_the_page_imports(
    officer_client, survey, officer, django_capture_on_commit_callbacks
):
    text = _csv(survey, [("A", ANSWERS_A)])

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("officers:responses_upload", args=[survey.slug]),
            {"file": SimpleUploadedFile("paper.csv", text.encode())},
        )

    assert response.status_code == 302
    assert Response.objects.get().entered_by == officer
    page = officer_client.get(response.url).content.decode()
    assert "Imported" in page and "Undo this import" in page


def test_a_50_mb_file_is_refused_by_the_page_before_reading(officer_client, survey):
    response = officer_client.generic(
        "POST",
        reverse("officers:responses_upload", args=[survey.slug]),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "largest file accepted is 20 MB" in response.content.decode()


def test_the_command_imports_a_file(survey, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_text(_csv(survey, [("A", ANSWERS_A), ("B", ANSWERS_B)]), encoding="utf-8")
    out = io.StringIO()

    call_command("import_responses", survey.slug, str(path), stdout=out)

    assert "Imported 2 responses" in out.getvalue()
    assert Response.objects.filter(mode="paper").count() == 2


def test_the_command_reports_problems_and_stores_nothing(survey, tmp_path):
    path = tmp_path / "paper.csv"
    bad = [("A", {**ANSWERS_A, "SEX": "x"}), ("B", {**ANSWERS_B, "AGE": "y"})]
    path.write_text(_csv(survey, [("A", ANSWERS_A), *bad]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: 2 problems"):
        call_command("import_responses", survey.slug, str(path), stderr=err)

    assert "Row 3, column SEX: ‘x’ is not an answer code" in err.getvalue()
    assert "Row 4, column AGE" in err.getvalue()
    assert not Response.objects.exists()


def test_the_command_refuses_a_50_mb_file_without_reading_it(survey, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    monkeypatch.setattr(
        "surveys.management.commands.import_responses.upload_read",
        lambda *a, **k: pytest.fail("the file was read"),
    )

    with pytest.raises(CommandError, match=r"50\.0 MB"):
        call_command("import_responses", survey.slug, str(path))


def test_the_command_exits_non_zero_for_an_unknown_survey(db, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "x.csv"
    path.write_text("SPLIT_ARM\nA\n")

    with pytest.raises(CommandError, match="no survey 'nope'"):
        call_command("import_responses", "nope", str(path))
    assert (
        subprocess.run(
            [sys.executable, "manage.py", "import_responses", "nope", str(path)],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    )


def test_a_paper_form_entered_with_its_letters_reference_marks_the_invitee_responded(
    officer_client, survey
):
    from surveys import invitations
    from surveys.models import Invitee

    invitations.invitees_import(
        survey=survey,
        text='name,email,postal_address,area\nEve,,"3 Hill Road\nRiverside RV3 3CC",north\n',
    )
    [letter] = invitations.letters_issue(survey=survey, which="new")
    url = reverse("officers:paper", args=[survey.slug])
    officer_client.post(
        url, {"action": "start", "mode": "paper", "split_arm": "B", "reference": letter.reference}
    )
    response = Response.objects.get()
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    for page in spec_for(survey).pages:
        officer_client.post(
            f"{url}?page={page.position}",
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
        )

    stored = officer_client.post(f"{url}?page=check", {"action": "store"}, follow=True)

    assert "Its invitee is marked as responded" in stored.content.decode()
    assert Invitee.objects.get().status == Invitee.Status.RESPONDED
    assert invitations.letters_candidates(survey=survey, which="reminder").count() == 0


def _enter_with(client, survey, reference: str):
    url = reverse("officers:paper", args=[survey.slug])
    start = client.post(
        url, {"action": "start", "mode": "paper", "split_arm": "A", "reference": reference}
    )
    if start.status_code != 302:
        return start
    response = Response.objects.filter(mode="paper").order_by("-pk").first()
    for page in spec_for(survey).pages:
        client.post(
            f"{url}?page={page.position}",
            {"action": "continue", **post_data(ANSWERS_A, [q.code for q in page.questions])},
        )
    client.post(f"{url}?page=check", {"action": "store"})
    response.refresh_from_db()
    return response


def test_a_letters_code_on_a_paper_form_is_one_response_everywhere(officer_client, survey):
    """A form returned with the letter's code is that invitee's response: the same code
    cannot be entered on another form, cannot start an online response, and finds the
    paper one for a data request."""
    from django.test import Client

    from surveys import invitations
    from surveys.services import CodeRejected, invitation_redeem

    invitations.invitees_import(
        survey=survey,
        text='name,email,postal_address,area\nEve,,"3 Hill Road\nRiverside RV3 3CC",north\n',
    )
    [letter] = invitations.letters_issue(survey=survey, which="new")
    paper = _enter_with(officer_client, survey, letter.code)
    assert isinstance(paper, Response) and paper.is_complete
    assert paper.invitation_id is not None
    assert Response.objects.filter(status="complete").count() == 1

    # The same code on a second form is refused, with nothing started.
    again = _enter_with(officer_client, survey, letter.code)
    assert again.status_code == 400
    assert "has already responded" in again.content.decode()
    assert Response.objects.count() == 1

    # Online, the code opens nothing new.
    with pytest.raises(CodeRejected, match="already been used"):
        invitation_redeem(code=letter.code)
    resident = Client()
    online = resident.post(reverse("surveys:code"), {"code": letter.code})
    assert online.status_code == 400
    assert Response.objects.count() == 1

    # Found by the letter's code or its reference, for a data request or a complaint.
    from officers.review import response_for_code

    for query in (letter.code, letter.reference):
        assert response_for_code(survey=survey, query=query) == paper, query
