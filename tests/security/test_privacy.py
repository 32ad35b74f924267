"""Privacy: the notice comes before the first question, and a resident can have their
response erased with their code, leaving an audit entry with nothing personal in it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from results.models import PopulationTarget
from surveys import services
from surveys.models import Answer, AuditEntry, Invitation, Response
from tests.surveys.conftest import answers_for

pytestmark = pytest.mark.django_db


def test_privacy_notice_is_shown_before_the_first_question(client, survey):
    landing = client.get(reverse("surveys:landing", args=[survey.slug])).content.decode()

    notice = landing.index(survey.privacy_notice)
    assert landing.index("How we use your answers") < notice < landing.index("Start now")
    # The first question is not reachable without going through the landing page's Start.
    first = client.get(reverse("surveys:page", args=[survey.slug, 1]))
    assert first.status_code == 302
    assert first.url == reverse("surveys:landing", args=[survey.slug])


def _complete(survey, invitation=None) -> Response:
    response = services.response_start(survey=survey, invitation=invitation)
    response.draft = answers_for(response.split_arm)
    response.save(update_fields=["draft"])
    return services.response_submit(response_id=response.pk)


def _erase(client, code: str):
    confirm = client.post("/erase/", {"code": code})
    assert confirm.status_code == 200, confirm.content.decode()[:1000]
    assert "Are you sure you want to erase these answers?" in confirm.content.decode()
    return client.post("/erase/", {"code": code, "confirm": "yes"})


def test_invitation_code_erases_a_complete_response_and_its_answers(
    client, survey, make_invitation
):
    invitation, code = make_invitation()
    response = _complete(survey, invitation)
    kept = _complete(survey)
    assert Answer.objects.filter(response=response).exists()

    done = _erase(client, code.lower().replace("-", " "))  # as typed from a letter

    assert done.status_code == 200
    assert "Your answers have been erased" in done.content.decode()
    assert not Response.objects.filter(pk=response.pk).exists()
    assert not Answer.objects.filter(response_id=response.pk).exists()
    assert Answer.objects.filter(response=kept).exists()  # nobody else's
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_erasure_is_audited_without_personal_data(client, survey, make_invitation):
    invitation, code = make_invitation()
    response = _complete(survey, invitation)

    _erase(client, code)

    entry = AuditEntry.objects.get(action="response.erased")
    assert entry.survey == survey and entry.council == survey.council and entry.actor is None
    assert entry.detail["complete"] is True
    text = str(entry.detail)
    assert code not in text and code.replace("-", "") not in text
    assert str(response.public_id) not in text and "library" not in text


def test_resume_code_erases_answers_in_progress(client, survey):
    response = services.response_start(survey=survey)
    services.response_save_page(response=response, values={"Q2": "equality_opportunity"})
    code = services.response_save_for_later(response=response)

    _erase(client, code)

    assert not Response.objects.filter(pk=response.pk).exists()


def test_confirmation_step_erases_nothing(client, survey, make_invitation):
    invitation, code = make_invitation()
    response = _complete(survey, invitation)

    client.post("/erase/", {"code": code})

    assert Response.objects.filter(pk=response.pk).exists()
    assert not AuditEntry.objects.filter(action="response.erased").exists()


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZZZ", "", "!!!!"])
def test_unknown_code_is_refused_and_erases_nothing(client, survey, code):
    _complete(survey)
    before = (Response.objects.count(), Answer.objects.count())

    refused = client.post("/erase/", {"code": code, "confirm": "yes"})

    assert refused.status_code == 400
    assert "govuk-error-summary" in refused.content.decode()
    assert (Response.objects.count(), Answer.objects.count()) == before


def test_invitation_not_yet_used_has_nothing_to_erase(client, survey, make_invitation):
    _, code = make_invitation()

    refused = client.post("/erase/", {"code": code, "confirm": "yes"})

    assert refused.status_code == 400
    assert "nothing to erase" in refused.content.decode()


def test_erasing_a_complete_response_queues_a_reweight(
    client, survey, make_invitation, django_capture_on_commit_callbacks
):
    for margin, category in [("AGE", "15_24"), ("SEX", "female")]:
        PopulationTarget.objects.create(survey=survey, margin=margin, category=category, share=1)
    invitation, code = make_invitation()
    _complete(survey, invitation)
    _complete(survey)
    cache.clear()  # the submissions' own (never committed) reweight is not what is tested

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _erase(client, code)

    assert len(callbacks) == 1
    assert survey.weighting_runs.count() >= 1
    assert Response.objects.filter(survey=survey).count() == 1
