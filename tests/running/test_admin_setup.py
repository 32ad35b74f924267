"""The admin's set-up: opening and closing surveys (audited), the resident preview, the
council's colour contrast, and population targets edited inline or imported from CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from results.models import PopulationTarget
from surveys import lifecycle
from surveys.errors import SurveyError
from surveys.models import AuditEntry, Council, Response, Survey, contrast_with_white
from surveys.services import spec_for
from tests.surveys.conftest import ANSWERS_A, post_data


def test_open_now_makes_a_draft_survey_live_and_audits_it(admin_client, survey):
    survey.status = Survey.Status.DRAFT
    survey.save()

    response = admin_client.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "open_now", "_selected_action": [survey.pk]},
    )

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE
    assert survey.opens_at <= timezone.now()
    entry = AuditEntry.objects.get(action="survey.opened")
    assert entry.survey == survey
    assert entry.actor.username == "admin"


def test_close_now_closes_and_audits(admin_client, survey):
    admin_client.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "close_now", "_selected_action": [survey.pk]},
    )

    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    assert survey.closes_at <= timezone.now()
    entry = AuditEntry.objects.get(action="survey.closed", survey=survey)
    assert entry.actor.username == "admin"
    assert entry.detail == {"by": "officer"}


def test_a_survey_whose_closing_time_has_passed_is_not_opened(survey):
    survey.status = Survey.Status.DRAFT
    survey.closes_at = timezone.now() - dt.timedelta(days=1)
    survey.save()

    with pytest.raises(SurveyError, match="closing time in the past"):
        lifecycle.survey_open(survey=survey)

    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not AuditEntry.objects.exists()


def test_preview_renders_the_residents_page_and_stores_nothing(admin_client, survey):
    url = reverse("admin:surveys_questionnaire_preview", args=[survey.questionnaire_id, 1])

    page = admin_client.get(f"{url}?survey={survey.pk}")
    bad = admin_client.post(f"{url}?survey={survey.pk}", {"action": "continue"})
    first_page = [q.code for q in spec_for(survey).page(1).questions]
    good = admin_client.post(
        f"{url}?survey={survey.pk}",
        {"action": "continue", **post_data(ANSWERS_A, first_page)},
    )

    assert page.status_code == 200
    assert "surveys/page.html" in [t.name for t in page.templates]
    assert survey.council.name in page.content.decode()
    assert bad.status_code == 400
    assert "There is a problem" in bad.content.decode()
    assert good.status_code == 302
    assert good["Location"].startswith(
        reverse("admin:surveys_questionnaire_preview", args=[survey.questionnaire_id, 2])
    )
    assert not Response.objects.exists()


def test_preview_is_for_staff_only(client, survey):
    url = reverse("admin:surveys_questionnaire_preview", args=[survey.questionnaire_id, 1])

    response = client.get(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("colour", "passes"),
    [("#1d70b8", True), ("#0b0c0c", True), ("#ffdd00", False), ("#00ff00", False)],
)
def test_accent_colour_must_contrast_with_white_text(db, colour, passes):
    council = Council(name="Test", slug="test", accent_colour=colour)
    if passes:
        council.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            council.full_clean()
        assert "contrast" in str(error.value.message_dict["accent_colour"])


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)


def test_council_admin_refuses_a_pale_colour_with_a_clear_message(admin_client, council):
    url = reverse("admin:surveys_council_change", args=[council.pk])
    data = {
        "name": council.name,
        "slug": council.slug,
        "accent_colour": "#ffdd00",
        "areas-TOTAL_FORMS": 0,
        "areas-INITIAL_FORMS": 0,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "WCAG AA" in response.content.decode()
    council.refresh_from_db()
    assert council.accent_colour == "#1d70b8"


def _survey_form(survey: Survey, targets: list[tuple[str, str, str]]) -> dict:
    data = {
        "council": survey.council_id,
        "questionnaire": survey.questionnaire_id,
        "title": survey.title,
        "slug": survey.slug,
        "status": survey.status,
        "public_link": "on",
        "privacy_notice": survey.privacy_notice,
        "contact": survey.contact,
        "retention_days": 365,
        "multiple_comparisons": "bh",
        "min_test_base": 30,
        "start_limit": survey.start_limit,
        "submit_limit": survey.submit_limit,
        "burst_limit": survey.burst_limit,
        "fast_page_seconds": survey.fast_page_seconds,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        "population_targets-TOTAL_FORMS": len(targets),
        "population_targets-INITIAL_FORMS": 0,
    }
    for i, (margin, category, share) in enumerate(targets):
        data[f"population_targets-{i}-margin"] = margin
        data[f"population_targets-{i}-category"] = category
        data[f"population_targets-{i}-share"] = share
    return data


def test_targets_inline_saves_a_margin_that_sums_to_one(admin_client, survey):
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = admin_client.post(
        url, _survey_form(survey, [("SEX", "female", "0.52"), ("SEX", "male", "0.48")])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert PopulationTarget.objects.filter(survey=survey).count() == 2


def test_targets_inline_refuses_shares_that_do_not_sum_to_100(admin_client, survey):
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = admin_client.post(
        url, _survey_form(survey, [("SEX", "female", "0.52"), ("SEX", "male", "0.40")])
    )

    assert response.status_code == 200
    assert "add up to 92.0%" in response.content.decode()
    assert not PopulationTarget.objects.exists()


def test_targets_inline_refuses_an_unknown_code(admin_client, survey):
    url = reverse("admin:surveys_survey_change", args=[survey.pk])

    response = admin_client.post(
        url, _survey_form(survey, [("SEX", "female", "0.5"), ("SEX", "other", "0.5")])
    )

    assert response.status_code == 200
    assert "SEX has no category" in response.content.decode()
    assert not PopulationTarget.objects.exists()


def test_targets_csv_import_page_replaces_the_targets(admin_client, survey):
    url = reverse("admin:surveys_survey_targets_import", args=[survey.pk])
    upload = SimpleUploadedFile(
        "targets.csv", "\ufeffmargin,category,share\nSEX,female,51%\nSEX,male,49%\n".encode()
    )

    response = admin_client.post(url, {"file": upload})

    assert response.status_code == 302
    assert dict(
        PopulationTarget.objects.filter(survey=survey).values_list("category", "share")
    ) == {"female": Decimal("0.51"), "male": Decimal("0.49")}


def test_targets_csv_import_reports_a_bad_file_and_stores_nothing(admin_client, survey):
    url = reverse("admin:surveys_survey_targets_import", args=[survey.pk])
    upload = SimpleUploadedFile("targets.csv", b"margin,category,share\nSEX,female,0.9\n")

    response = admin_client.post(url, {"file": upload})

    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert not PopulationTarget.objects.exists()


def test_targets_csv_import_refuses_a_file_that_is_not_utf8(admin_client, survey):
    url = reverse("admin:surveys_survey_targets_import", args=[survey.pk])
    upload = SimpleUploadedFile("t.csv", "margin,category,share\nSEX,fémale,1\n".encode("cp1252"))

    response = admin_client.post(url, {"file": upload})

    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
