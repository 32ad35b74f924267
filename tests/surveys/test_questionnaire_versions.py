import pytest
from django.urls import reverse

from surveys import services
from surveys.loading import questionnaire_data
from surveys.models import Item, Option, Question, Questionnaire, Survey, Wording

pytestmark = pytest.mark.django_db


def test_shipped_questionnaire_has_the_reports_eight_questions_and_demographics(questionnaire):
    codes = set(questionnaire.questions.values_list("code", flat=True))
    assert {f"Q{n}" for n in range(1, 9)} <= codes
    assert {"AGE", "SEX", "AREA", "INTERNET", "CHILDREN", "WORK", "NEWSPAPER"} <= codes


def test_every_demographic_choice_offers_prefer_not_to_say(questionnaire):
    for q in questionnaire.questions.filter(is_demographic=True, kind="single"):
        assert q.options.filter(code="prefer_not").exists(), q.code


def test_every_option_says_whether_its_wording_is_from_the_report(questionnaire):
    wordings = set(
        Option.objects.filter(question__questionnaire=questionnaire).values_list(
            "wording", flat=True
        )
    )
    assert wordings == {Wording.REPORT, Wording.COMPLETED}
    # The five answers the report prints for the responsibility question are its own.
    q5 = Option.objects.filter(question__questionnaire=questionnaire, question__code="Q5")
    assert set(q5.values_list("wording", flat=True)) == {Wording.REPORT}


def test_data_file_and_database_agree(questionnaire):
    data = questionnaire_data()
    questions = [q for page in data["pages"] for q in page["questions"]]
    assert questionnaire.questions.count() == len(questions)
    for q in questions:
        stored = Question.objects.get(questionnaire=questionnaire, code=q["code"])
        assert stored.kind == q["kind"]
        assert [o.code for o in stored.options.all()] == [o["code"] for o in q.get("options", [])]


def test_split_sample_statements_are_each_asked_of_one_half(questionnaire):
    arms = dict(
        Item.objects.filter(question__questionnaire=questionnaire, question__code="Q3").values_list(
            "code", "split_arm"
        )
    )
    assert arms == {"dignity": "A", "outcome": "B"}


def test_questionnaire_used_by_a_live_survey_is_locked(survey, questionnaire):
    assert questionnaire.is_locked
    survey.status = Survey.Status.DRAFT
    survey.save()
    assert not questionnaire.is_locked


def test_copy_makes_an_editable_new_version_with_everything(survey, questionnaire):
    copy = services.questionnaire_copy(questionnaire=questionnaire)
    assert copy.version == questionnaire.version + 1
    assert copy.based_on == questionnaire
    assert not copy.is_locked
    assert copy.questions.count() == questionnaire.questions.count()
    assert (
        Option.objects.filter(question__questionnaire=copy).count()
        == Option.objects.filter(question__questionnaire=questionnaire).count()
    )
    assert copy.pages.count() == questionnaire.pages.count()
    # The copy's questions sit on the copy's pages, not the original's.
    assert set(copy.questions.values_list("page__questionnaire", flat=True)) == {copy.pk}


def test_admin_cannot_edit_a_locked_questionnaire_but_can_copy_it(
    admin_client, survey, questionnaire
):
    change = reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    reply = admin_client.post(change, {"title": "Changed"})
    questionnaire.refresh_from_db()
    assert questionnaire.title == "The Collaborative Citizen"
    assert reply.status_code in (200, 403)
    question = questionnaire.questions.get(code="Q2")
    reply = admin_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]), {"text": "Changed"}
    )
    question.refresh_from_db()
    assert question.text.startswith("Which one of the following")

    admin_client.post(
        reverse("admin:surveys_questionnaire_changelist"),
        {"action": "copy_to_new_version", "_selected_action": [questionnaire.pk]},
    )
    assert Questionnaire.objects.filter(slug=questionnaire.slug, version=2).exists()
