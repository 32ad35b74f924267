"""What an officer's browser tests share: an officer of the survey's council, responses to
report on, and signing in through the form."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from results.models import PopulationTarget
from results.services import survey_reweight
from surveys.management.commands.demo_setup import answers_draw
from surveys.models import Membership, Response, Survey
from surveys.services import response_record, spec_for
from surveys.two_factor import two_factor_required
from tests.browser.resident import button, submit
from tests.two_factor import authenticator_for, code_now

PASSWORD = "not-a-real-password-1"


def officer_make(*, survey: Survey) -> User:
    user = User.objects.create_user("riverside-officer", password=PASSWORD)
    # The browser walks every officer page: this officer holds each role a council gives.
    for role in Membership.Role:
        Membership.objects.create(user=user, council=survey.council, role=role)
    return user


def responses_seed(*, survey: Survey, count: int, sample: dict | None = None) -> None:
    """Complete responses through the one write path, with the plausible answers of the demo
    data (the same every run; ``sample`` as the demo's last year's wave), a third from each
    area, one in five on paper, sent over the last ten days."""
    spec = spec_for(survey)
    now = timezone.now()
    sent = []
    for i in range(count):
        rng = random.Random(f"browser:{i}" if sample is None else f"browser-earlier:{i}")
        arm = "A" if i % 2 else "B"
        response = response_record(
            survey=survey,
            answers={
                **answers_draw(spec, arm, rng, sample),
                "AREA": ["north", "south", "east"][i % 3],
            },
            mode=Response.Mode.PAPER if i % 5 == 0 else Response.Mode.ONLINE,
            split_arm=arm,
        )
        response.submitted_at = now - dt.timedelta(days=i % 10, minutes=i)
        sent.append(response)
    Response.objects.bulk_update(sent, ["submitted_at"])


def survey_weight(*, survey: Survey) -> None:
    """Weight the responses to equal shares of men and women, as a council with population
    targets would."""
    for sex in ("male", "female"):
        PopulationTarget.objects.create(survey=survey, margin="SEX", category=sex, share=0.5)
    survey_reweight(survey_id=survey.pk)


def sign_in(page: Page, user: User, *, password: str = PASSWORD) -> None:
    """Through the form: the password, then (for roles that need it) the code from the
    person's authenticator app."""
    needs_code = two_factor_required(user)
    if needs_code:
        device = authenticator_for(user)
        # Each code is accepted once; a test that signs in twice within 30 seconds may reuse it.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.goto("/officer/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    submit(page, button(page, "Sign in"))
    if needs_code:
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
        page.get_by_label("Code").fill(code_now(device))
        submit(page, button(page, "Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")
