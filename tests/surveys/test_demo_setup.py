"""`manage.py demo_setup`, which `make demo` runs before starting the server."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from results.models import PopulationTarget, WeightingRun
from surveys.models import Answer, Area, Council, Response, Survey

pytestmark = pytest.mark.django_db


def demo_setup(responses: int = 30) -> str:
    out = io.StringIO()
    call_command("demo_setup", responses=responses, stdout=out)
    return out.getvalue()


def test_demo_creates_a_council_with_wards_and_an_open_survey():
    demo_setup()

    council = Council.objects.get(name="Demo Borough Council")
    assert Area.objects.filter(council=council).count() == 8
    survey = Survey.objects.get(slug="demo-2014")
    assert survey.council == council
    assert survey.questionnaire.slug == "collaborative-citizen-2014"
    assert survey.is_open()
    assert survey.public_link
    assert survey.privacy_notice and survey.contact


def test_demo_records_the_requested_number_of_complete_responses_with_answers():
    demo_setup(responses=30)

    responses = Response.objects.filter(survey__slug="demo-2014")
    assert responses.count() == 30
    assert responses.filter(status=Response.Status.COMPLETE).count() == 30
    assert not responses.filter(answers__isnull=True).exists()
    assert set(responses.values_list("split_arm", flat=True)) == {"A", "B"}
    assert Response.Mode.ONLINE in set(responses.values_list("mode", flat=True))
    # Spread over the fieldwork weeks, not all stamped with the moment the command ran.
    days = {r.submitted_at.date() for r in responses}
    assert len(days) > 5
    assert Answer.objects.filter(survey__slug="demo-2014", question__code="AREA").count() > 0


def test_demo_prints_working_logins_and_the_links():
    output = demo_setup()

    passwords = dict(re.findall(r"(admin|officer): password (\S+)", output))
    users = get_user_model().objects
    admin = users.get(username="admin")
    officer = users.get(username="officer")
    assert admin.is_superuser and admin.check_password(passwords["admin"])
    assert not officer.is_staff and officer.check_password(passwords["officer"])
    assert list(officer.councils.values_list("name", flat=True)) == ["Demo Borough Council"]
    assert "http://127.0.0.1:8000/s/demo-2014/" in output
    assert "http://127.0.0.1:8000/admin/" in output


def test_demo_run_twice_adds_nothing_and_shows_no_password_again():
    demo_setup(responses=20)
    second = demo_setup(responses=20)

    assert Council.objects.count() == 1
    assert Survey.objects.filter(slug="demo-2014").count() == 1
    assert Area.objects.count() == 8
    assert get_user_model().objects.count() == 4  # admin and one login per council role
    assert Response.objects.filter(survey__slug="demo-2014").count() == 20
    assert not re.search(r"(admin|officer): password ", second)
    assert "python manage.py changepassword admin" in second


def test_demo_tops_up_to_a_larger_number_of_responses():
    demo_setup(responses=10)
    demo_setup(responses=15)

    complete = Response.objects.filter(status=Response.Status.COMPLETE)
    assert complete.filter(survey__slug="demo-2014").count() == 15
    assert complete.filter(survey__slug="demo-2014-last-year").count() == 15


def test_demo_sample_answers_are_the_same_on_every_run():
    demo_setup(responses=10)
    first = sorted(Response.objects.values_list("split_arm", "mode", "draft"), key=repr)
    Response.objects.all().delete()
    demo_setup(responses=10)
    second = sorted(Response.objects.values_list("split_arm", "mode", "draft"), key=repr)

    assert first == second


def test_demo_survey_is_weighted_to_illustrative_population_targets(
    django_capture_on_commit_callbacks,
):
    # Weighting is queued to run after commit, which a test's transaction never reaches.
    with django_capture_on_commit_callbacks(execute=True):
        demo_setup(responses=60)

    survey = Survey.objects.get(slug="demo-2014")
    for margin in ("AGE", "SEX", "AREA"):
        shares = PopulationTarget.objects.filter(survey=survey, margin=margin)
        assert sum(t.share for t in shares) == 1
    run = WeightingRun.objects.filter(survey=survey).first()
    assert run is not None and run.status == WeightingRun.Status.OK
    weights = list(Response.objects.filter(survey=survey).values_list("weight", flat=True))
    assert len(set(weights)) > 1


def test_demo_logins_that_need_two_factor_sign_in_with_what_is_printed(client, settings):
    from base64 import b32decode

    from django_otp.oath import totp

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = demo_setup()
    passwords = dict(re.findall(r"(\w+): password (\S+)", output))
    keys = dict(re.findall(r"(\w+): password \S+\n\s+two-factor key ([A-Z2-7]+)", output))
    # The officer's login has no key: officers are not made to use two-factor.
    assert set(keys) == {"admin", "research", "fieldwork"}
    assert "otpauth://totp/Collab%3Aresearch?secret=" in output

    client.post("/accounts/login/", {"username": "research", "password": passwords["research"]})
    code = f"{totp(b32decode(keys['research'] + '=' * (-len(keys['research']) % 8))):06d}"
    verified = client.post("/accounts/two-factor/", {"code": code})
    assert verified.status_code == 302
    assert client.get("/officer/").status_code == 200

    recovery = re.search(r"fieldwork: password \S+\n.*\n\s+recovery codes[^:]*: (\S+),", output)
    other = type(client)()
    other.post("/accounts/login/", {"username": "fieldwork", "password": passwords["fieldwork"]})
    assert other.post("/accounts/two-factor/", {"code": recovery.group(1)}).status_code == 302
    assert other.get("/council-admin/").status_code == 200


def test_demo_has_last_years_wave_with_its_own_responses_and_the_comparison_draws_trends():
    from officers.report import report_build
    from results.selectors import ResponseFilters

    demo_setup(responses=60)

    survey = Survey.objects.get(slug="demo-2014")
    earlier = survey.previous_wave
    assert earlier is not None and earlier.council == survey.council
    assert earlier.status == Survey.Status.CLOSED
    assert earlier.closes_at < survey.opens_at
    assert earlier.wave_name != survey.wave_name
    assert earlier.responses.filter(status=Response.Status.COMPLETE).count() == 60
    assert not earlier.responses.filter(submitted_at__gt=earlier.closes_at).exists()
    assert PopulationTarget.objects.filter(survey=earlier).count() == (
        PopulationTarget.objects.filter(survey=survey).count()
    )
    report = report_build(survey=survey, filters=ResponseFilters(), weighted=False)
    assert report.waves is not None
    assert sum(1 for f in report.waves.figures if f.chart) >= 10
    # Run again: nothing is duplicated.
    demo_setup(responses=60)
    assert Survey.objects.filter(council=survey.council).count() == 2
    assert earlier.responses.count() == 60
