import pytest
from django.db import IntegrityError, transaction

from surveys import services
from surveys.models import Answer, Response
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
