import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from surveys import services
from surveys.models import Answer, Item, Response
from tests.surveys.conftest import ANSWERS_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete(survey) -> Response:
    return services.response_record(
        survey=survey, answers=ANSWERS_A, mode=Response.Mode.PAPER, split_arm="A"
    )


def test_database_refuses_a_second_row_for_the_same_option(complete):
    row = Answer.objects.filter(response=complete, question__code="Q2").get()
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_database_refuses_a_second_answer_to_the_same_grid_item(complete):
    row = Answer.objects.filter(response=complete, question__code="Q4", item__code="needs").get()
    other = Answer.objects.filter(question__code="Q4", option__code="always").first()
    row.pk = None
    row.option_id = other.option_id if other else row.option.question.options.first().pk
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="PostgreSQL's triggers refuse it; on SQLite counting leaves such rows out",
)


def _other_half_statement(response: Response):
    """The split-sample statement asked of the half this response is not in, with an answer."""
    other = "B" if response.split_arm == "A" else "A"
    item = Item.objects.get(question__questionnaire=response.survey.questionnaire, split_arm=other)
    return item, item.question.options.first()


@postgresql_only
def test_database_refuses_an_answer_to_the_other_halfs_statement(complete):
    item, option = _other_half_statement(complete)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(
            response=complete,
            survey=complete.survey,
            question=item.question,
            item=item,
            option=option,
        )
    assert not Answer.objects.filter(response=complete, item=item).exists()


@postgresql_only
def test_database_refuses_moving_an_answer_to_the_other_halfs_statement(complete):
    item, _option = _other_half_statement(complete)
    own = Answer.objects.get(response=complete, question=item.question)  # its own half's item
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.filter(pk=own.pk).update(item=item)


@postgresql_only
def test_database_refuses_changing_the_half_of_a_response_with_split_answers(complete):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(pk=complete.pk).update(
            split_arm="B" if complete.split_arm == "A" else "A"
        )
    complete.refresh_from_db()
    assert complete.split_arm == "A"


def test_the_half_of_a_response_without_split_answers_can_change(survey):
    started = Response.objects.create(survey=survey, split_arm="A")
    Response.objects.filter(pk=started.pk).update(split_arm="B")
    started.refresh_from_db()
    assert started.split_arm == "B"
