"""A working demo in one command: a council, its wards, a live survey of the 2014
questionnaire, an admin and a login for each council role, and a few hundred sample responses;
with last year's wave of the same survey (closed, its own responses), so the report compares
the two and draws each figure's trend.
Logins whose roles need two-factor sign-in are printed with their authenticator key (and its
otpauth:// address) and a few recovery codes.

Safe to run again: what exists is kept, missing responses are topped up to --responses,
and passwords are never shown twice (only their hashes are stored).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from base64 import b32encode
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from surveys import waves
from surveys.models import Area, Council, Membership, Questionnaire, Response, Survey
from surveys.services import response_record, spec_for
from surveys.spec import QuestionSpec, SurveySpec
from surveys.tenancy import across_councils
from surveys.two_factor import authenticator_enrol, recovery_codes_replace, two_factor_required

COUNCIL_NAME = "Demo Borough Council"
COUNCIL_SLUG = "demo-borough"
SURVEY_SLUG = "demo-2014"
EARLIER_SLUG = "demo-2014-last-year"
QUESTIONNAIRE_SLUG = "collaborative-citizen-2014"
ADMIN_USERNAME = "admin"
OFFICER_USERNAME = "officer"
# One login per role a council gives (surveys.tenancy), besides the platform's admin.
ROLE_LOGINS = [
    (OFFICER_USERNAME, Membership.Role.OFFICER),
    ("research", Membership.Role.RESEARCH_OFFICER),
    ("fieldwork", Membership.Role.COUNCIL_ADMIN),
]
FIELDWORK_DAYS = 28
RETURN_ADDRESS = "Freepost DEMO BOROUGH SURVEY\nTown Hall, High Street\nDemo Town DB1 1AA"
# Recovery codes printed for each demo login that needs two-factor (of the ten it gets).
DEMO_RECOVERY_CODES = 3

WARDS = [
    ("abbey", "Abbey"),
    ("brookside", "Brookside"),
    ("castle", "Castle"),
    ("dockside", "Dockside"),
    ("eastfield", "Eastfield"),
    ("hillcrest", "Hillcrest"),
    ("millbrook", "Millbrook"),
    ("riverside", "Riverside"),
]

PRIVACY_NOTICE = """\
Demo Borough Council is asking residents about local public services. Taking part is \
voluntary and you can stop at any time.

We use your answers only to understand residents' views and to plan services.

What we keep, and for how long:
- Your name and address (or e-mail), if we wrote to you: only to send your invitation and \
any reminders. The link between them and your answers is removed when the survey closes. If \
you ask us to erase your answers, your name and contact details are deleted too.
- The day you answered (not the time) against your invitation, so that we send no reminder \
to someone who has answered.
- Your answers: for one year after the survey closes, then deleted.
- Files of results our officers make: deleted after 30 days, and at once if you ask for \
your answers to be erased.

Results are reported only as totals: no figure is shown for fewer than 10 people, nor any \
figure from which a smaller group could be worked out; results by date cover whole periods \
of at least 10 people, never a single day. Researchers may be given answers one \
row per person, with no name, address or comments, and only once they have been grouped so \
that at least 5 people share every combination of area, age, sex, work, children, household \
size, way of answering and week.

Under data protection law you can ask to see or delete your answers: use the code from your \
letter or e-mail to erase them on the survey's website, or contact the Consultation Team \
using the details below. You can also complain to the Information Commissioner's Office \
(ico.org.uk)."""

CONTACT = (
    "Consultation Team, Demo Borough Council: consultation@demo-borough.example, 0123 456 7890"
)

# Illustrative population shares for a fictional borough (residents aged 15 and over),
# so the demo can show weighted results. They are NOT real census figures.
POPULATION_TARGETS = {
    "AGE": {
        "15_24": "14%",
        "25_34": "17%",
        "35_44": "16%",
        "45_54": "17%",
        "55_64": "15%",
        "65_74": "12%",
        "75_plus": "9%",
    },
    "SEX": {"female": "51%", "male": "49%"},
    "AREA": {
        "abbey": "15%",
        "brookside": "13%",
        "castle": "12%",
        "dockside": "14%",
        "eastfield": "11%",
        "hillcrest": "10%",
        "millbrook": "13%",
        "riverside": "12%",
    },
}

# How the sample answers are drawn: relative weights by option code. Older residents
# are over-represented, as in most council surveys, so weighting has work to do.
# A question or option not listed here is drawn evenly, so the demo keeps working if
# the questionnaire gains a question.
SAMPLE = {
    "AGE": {
        "15_24": 6,
        "25_34": 11,
        "35_44": 14,
        "45_54": 18,
        "55_64": 20,
        "65_74": 19,
        "75_plus": 10,
        "prefer_not": 2,
    },
    "SEX": {"female": 56, "male": 42, "prefer_not": 2},
    "AREA": {
        "abbey": 17,
        "brookside": 11,
        "castle": 13,
        "dockside": 9,
        "eastfield": 12,
        "hillcrest": 14,
        "millbrook": 12,
        "riverside": 10,
        "prefer_not": 2,
    },
    "Q1": {
        "whole_community": 30,
        "everyone": 25,
        "taxes": 30,
        "government": 25,
        "free": 15,
        "most_in_need": 10,
        "none": 1,
        "dont_know": 2,
    },
    "Q2": {
        "equality_opportunity": 40,
        "same_for_everyone": 30,
        "most_in_need": 20,
        "other": 3,
        "dont_know": 7,
    },
    "Q3": {
        "strongly_agree": 30,
        "tend_agree": 35,
        "neither": 15,
        "tend_disagree": 10,
        "strongly_disagree": 5,
        "dont_know": 5,
    },
    "Q4": {
        "always": 6,
        "often": 20,
        "sometimes": 36,
        "hardly_ever": 22,
        "never": 11,
        "dont_know": 5,
    },
    "Q5": {"all": 20, "mostly": 30, "partly": 35, "not_at_all": 10, "dont_know": 5},
    "Q6": {"better": 33, "no_difference": 37, "worse": 19, "dont_know": 11},
    "Q7": {
        "understand_needs": 30,
        "dignity_respect": 20,
        "outcomes": 25,
        "accessibility": 18,
        "transparency": 12,
        "accountability": 15,
        "strategic_planning": 8,
        "local": 14,
        "expertise": 9,
        "public_money": 22,
        "who_provides": 4,
        "none": 1,
        "dont_know": 2,
    },
    "Q8": {"willing": 45, "no_time": 25, "not_interested": 20, "dont_know": 10},
    "NEWSPAPER": {
        "broadsheet": 15,
        "mid_market": 18,
        "tabloid": 20,
        "local": 12,
        "none": 33,
        "prefer_not": 2,
    },
}
# Answers that depend on age, so breakdowns by subgroup show real differences.
BY_AGE = {
    "INTERNET": {
        "young": {"yes": 97, "no": 2, "prefer_not": 1},
        "middle": {"yes": 92, "no": 6, "prefer_not": 2},
        "older": {"yes": 70, "no": 28, "prefer_not": 2},
    },
    "CHILDREN": {
        "young": {"yes": 20, "no": 77, "prefer_not": 3},
        "middle": {"yes": 55, "no": 42, "prefer_not": 3},
        "older": {"yes": 5, "no": 92, "prefer_not": 3},
    },
    "WORK": {
        "young": {"full_time": 30, "part_time": 20, "unemployed": 8, "student": 40, "other": 2},
        "middle": {
            "full_time": 55,
            "part_time": 15,
            "self_employed": 12,
            "unemployed": 5,
            "home": 8,
            "unable": 3,
            "other": 2,
        },
        "older": {"part_time": 8, "self_employed": 4, "retired": 80, "unable": 5, "other": 3},
    },
    "Q8": {
        "young": {"willing": 55, "no_time": 25, "not_interested": 12, "dont_know": 8},
        "middle": {"willing": 45, "no_time": 33, "not_interested": 15, "dont_know": 7},
        "older": {"willing": 38, "no_time": 14, "not_interested": 33, "dont_know": 15},
    },
}
# Eight comments (as many as before: the draws of every other answer stay the same). Some
# give made-up personal data, as residents do, for the comments' redaction step to catch.
COMMENTS = [
    "The library opening hours should be longer in the evenings.",
    "It took three phone calls to get the pothole outside 14 Mill Lane fixed. Ring me on "
    "07700 900123 if you want the details.",
    "Staff at the leisure centre are always helpful, especially Mrs Okafor at reception.",
    "Please ask residents before changing the bin collection days.",
    "More activities for young people in the evenings would help.",
    "The council website is hard to use on a phone.",
    "I would volunteer if I knew where to start. My name is Sam Taylor, e-mail "
    "sam.taylor@example.org, DB1 2AB.",
    "Buses to the hospital are too infrequent.",
]
MODES = {Response.Mode.ONLINE: 80, Response.Mode.PAPER: 14, Response.Mode.TELEPHONE: 6}
# Last year's wave answered a little differently, so the comparison of the waves has both
# real changes and figures that stayed put; every other answer is drawn as this year's.
EARLIER_WAVE = {
    "Q2": {
        "equality_opportunity": 50,
        "same_for_everyone": 20,
        "most_in_need": 20,
        "other": 3,
        "dont_know": 7,
    },
    "Q8": {"willing": 30, "no_time": 30, "not_interested": 28, "dont_know": 12},
}


def weighted_choice(rng: random.Random, codes: list[str], weights: dict[str, int]) -> str:
    known = [c for c in codes if weights.get(c)]
    if not known:
        return rng.choice(codes)
    return rng.choices(known, weights=[weights[c] for c in known])[0]


def age_group(age: str | None) -> str:
    if age in ("15_24",):
        return "young"
    if age in ("65_74", "75_plus"):
        return "older"
    return "middle"


def answer_draw(
    q: QuestionSpec,
    arm: str,
    rng: random.Random,
    drawn: dict[str, Any],
    sample: dict[str, dict[str, int]] | None = None,
) -> Any:
    """One plausible answer to q, in the shape response_record takes; ``sample`` overrides
    the weights of some questions (last year's wave)."""
    codes = [o.code for o in q.options]
    weights = (
        (sample or {}).get(q.code)
        or BY_AGE.get(q.code, {}).get(age_group(drawn.get("AGE")))
        or SAMPLE.get(q.code, {})
    )
    if q.kind in ("single", "area"):
        return weighted_choice(rng, codes, weights)
    if q.kind == "grid":
        item_codes = [o.code for o in q.options]
        return {item.code: weighted_choice(rng, item_codes, weights) for item in q.items_for(arm)}
    if q.kind == "multi":
        exclusive = [o.code for o in q.options if o.exclusive]
        others = [o.code for o in q.options if not o.exclusive]
        if exclusive and rng.random() < 0.04:
            return [weighted_choice(rng, exclusive, weights)]
        most = min(q.max_choices or len(others), len(others))
        chosen: list[str] = []
        for _ in range(rng.randint(max(q.min_choices or 1, 1), most)):
            remaining = [c for c in others if c not in chosen]
            chosen.append(weighted_choice(rng, remaining, weights))
        return chosen
    if q.kind == "number":
        if not q.required and rng.random() < 0.1:
            return None
        low, high = q.min_value or 1, min(q.max_value or 6, 6)
        return rng.choices(range(low, high + 1), weights=range(high - low + 1, 0, -1))[0]
    if q.kind == "text":
        if not q.required and rng.random() < 0.85:
            return None
        return rng.choice(COMMENTS)
    return None


def answers_draw(
    spec: SurveySpec,
    arm: str,
    rng: random.Random,
    sample: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    drawn: dict[str, Any] = {}
    # Age first: other answers depend on it.
    order = sorted(spec.questions.values(), key=lambda q: q.code != "AGE")
    for q in order:
        value = answer_draw(q, arm, rng, drawn, sample)
        if value is not None:
            drawn[q.code] = value
    return drawn


def submitted_at_draw(rng: random.Random, *, opened: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Most answers arrive soon after the letters go out, with a second wave after the
    reminder halfway through."""
    days = FIELDWORK_DAYS / 2 * (rng.random() < 0.35) + rng.expovariate(1 / 4)
    moment = opened + dt.timedelta(days=days, seconds=rng.randint(8 * 3600, 22 * 3600))
    return min(moment, now - dt.timedelta(minutes=rng.randint(1, 600)))


class Command(BaseCommand):
    help = "Create (or top up) the demo council, survey, logins and sample responses."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=300, help="complete responses")
        parser.add_argument("--seed", type=int, default=2014, help="seed for sample answers")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="the address the demo is served on: letters and e-mails link to it",
        )

    @across_councils
    def handle(self, *args, responses: int, seed: int, base_url: str, **options):
        base_url = base_url.rstrip("/")
        council = self.council_ensure()
        # Letters and e-mails are made outside any request: they link to this address.
        council.base_url = base_url
        if not council.return_address:
            council.return_address = RETURN_ADDRESS
        council.save(update_fields=["base_url", "return_address"])
        survey = self.survey_ensure(council)
        logins = [self.user_ensure(ADMIN_USERNAME, superuser=True)]
        for username, role in ROLE_LOGINS:
            logins.append(self.user_ensure(username, superuser=False))
            user = get_user_model().objects.get(username=username)
            Membership.objects.get_or_create(user=user, council=council, role=role)
        # Accounts whose roles need two-factor sign-in get an authenticator when they are
        # made, printed beside their password, so the demo signs in without a set-up step.
        for index, line in enumerate(logins):
            username = line.split(":", 1)[0]
            if ": password " in line:
                logins[index] += self.two_factor_ensure(username)
        officer = get_user_model().objects.get(username=OFFICER_USERNAME)
        added = self.responses_top_up(survey, officer, target=responses, seed=seed)
        weighting = self.weighting_ensure(survey)
        earlier = self.earlier_wave_ensure(survey)
        # Last year's fieldwork, replayed: its residents answered while it was open, so it is
        # open while their answers are recorded (all dated before it closed), then closed.
        closed = earlier.closes_at
        Survey.objects.filter(pk=earlier.pk).update(status=Survey.Status.LIVE, closes_at=None)
        earlier.refresh_from_db()
        self.responses_top_up(
            earlier, officer, target=responses, seed=seed + 1, sample=EARLIER_WAVE, until=closed
        )
        Survey.objects.filter(pk=earlier.pk).update(status=Survey.Status.CLOSED, closes_at=closed)
        earlier.refresh_from_db()
        self.earlier_targets_ensure(survey, earlier)
        self.weighting_ensure(earlier)

        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"Demo ready: {council.name}, survey '{survey.title}'"))
        total = survey.responses.filter(status=Response.Status.COMPLETE).count()
        out.write(f"  Responses:      {total} complete ({added} added now)")
        out.write(
            f"  Earlier wave:   '{earlier.title}' ({earlier.wave_name}), "
            f"{earlier.responses.filter(status=Response.Status.COMPLETE).count()} complete"
        )
        if weighting:
            out.write(f"  Weighting:      {weighting}")
        out.write(f"  Resident link:  {base_url}{self.survey_url(survey)}")
        out.write(f"  Admin:          {base_url}{reverse('admin:index')}")
        out.write(f"  Council set-up: {base_url}{reverse('council_admin:index')} (fieldwork login)")
        out.write(f"  Officer login:  {base_url}{self.login_url()}")
        for line in logins:
            out.write(f"  {line}")
        out.write("")

    def council_ensure(self) -> Council:
        council, _ = Council.objects.get_or_create(
            slug=COUNCIL_SLUG, defaults={"name": COUNCIL_NAME}
        )
        for position, (code, name) in enumerate(WARDS):
            Area.objects.get_or_create(
                council=council, code=code, defaults={"name": name, "position": position}
            )
        return council

    def survey_ensure(self, council: Council) -> Survey:
        now = timezone.now()
        questionnaire = (
            Questionnaire.objects.filter(slug=QUESTIONNAIRE_SLUG).order_by("-version").first()
        )
        if questionnaire is None:
            raise SystemExit(f"The {QUESTIONNAIRE_SLUG} questionnaire is missing: run migrate.")
        survey, _ = Survey.objects.get_or_create(
            slug=SURVEY_SLUG,
            defaults={
                "council": council,
                "questionnaire": questionnaire,
                "title": "Your views of public services in Demo Borough",
                "status": Survey.Status.LIVE,
                "opens_at": now - dt.timedelta(days=FIELDWORK_DAYS),
                "closes_at": now + dt.timedelta(days=FIELDWORK_DAYS),
                "public_link": True,
                "privacy_notice": PRIVACY_NOTICE,
                "contact": CONTACT,
            },
        )
        # A demo run again weeks later should still be open for residents to try.
        if survey.status != Survey.Status.LIVE or not survey.is_open(now):
            survey.status = Survey.Status.LIVE
            survey.opens_at = min(survey.opens_at or now, now)
            survey.closes_at = now + dt.timedelta(days=FIELDWORK_DAYS)
            survey.save(update_fields=["status", "opens_at", "closes_at"])
        return survey

    def earlier_wave_ensure(self, survey: Survey) -> Survey:
        """Last year's wave of the demo survey: closed a year ago, with the same questionnaire
        and targets, linked as the demo survey's earlier wave (surveys.waves)."""
        now = timezone.now()
        closed = (survey.opens_at or now) - dt.timedelta(days=365 - FIELDWORK_DAYS)
        earlier, _ = Survey.objects.get_or_create(
            slug=EARLIER_SLUG,
            defaults={
                "council": survey.council,
                "questionnaire": survey.questionnaire,
                "title": survey.title,
                "status": Survey.Status.CLOSED,
                "opens_at": closed - dt.timedelta(days=FIELDWORK_DAYS),
                "closes_at": closed,
                "public_link": True,
                "privacy_notice": survey.privacy_notice,
                "contact": survey.contact,
            },
        )
        if survey.previous_wave_id is None and earlier.pk != survey.pk:
            waves.wave_link_check(survey=survey, previous=earlier)
            survey.previous_wave = earlier
            survey.save(update_fields=["previous_wave"])
        return earlier

    def earlier_targets_ensure(self, survey: Survey, earlier: Survey) -> None:
        """The earlier wave is weighted to the same targets. Copied once its responses are in:
        with targets, every response recorded would queue a reweighting of its own."""
        from results.models import PopulationTarget
        from results.services import targets_copy

        if not PopulationTarget.objects.filter(survey=earlier).exists():
            targets_copy(source=survey, target=earlier)

    def user_ensure(self, username: str, *, superuser: bool) -> str:
        users = get_user_model().objects
        if users.filter(username=username).exists():
            return (
                f"{username}: already exists (password shown when it was created; to set a new "
                f"one: python manage.py changepassword {username})"
            )
        password = secrets.token_urlsafe(12)
        email = f"{username}@demo-borough.example"
        if superuser:
            users.create_superuser(username=username, email=email, password=password)
        else:
            users.create_user(username=username, email=email, password=password)
        return f"{username}: password {password}"

    def two_factor_ensure(self, username: str) -> str:
        """For a new login that needs two-factor: its authenticator key and a few recovery
        codes, as lines to print beside its password (nothing for one that does not)."""
        user = get_user_model().objects.get(username=username)
        if not two_factor_required(user):
            return ""
        device = authenticator_enrol(user)
        codes = recovery_codes_replace(user)[:DEMO_RECOVERY_CODES]
        key = b32encode(device.bin_key).decode().rstrip("=")
        return (
            f"\n      two-factor key {key} (add it to an authenticator app, or use "
            f"{device.config_url})"
            f"\n      recovery codes (each works once): {', '.join(codes)}"
        )

    def responses_top_up(
        self,
        survey: Survey,
        officer,
        *,
        target: int,
        seed: int,
        sample: dict[str, dict[str, int]] | None = None,
        until: dt.datetime | None = None,
    ) -> int:
        existing = survey.responses.filter(status=Response.Status.COMPLETE).count()
        if existing >= target:
            return 0
        spec = spec_for(survey)
        now = timezone.now()
        opened = survey.opens_at or now - dt.timedelta(days=FIELDWORK_DAYS)
        latest = min(now, until) if until else now
        modes = list(MODES)
        times: list[Response] = []
        for index in range(existing, target):
            # One generator per response: the same index always gets the same answers.
            rng = random.Random(f"{seed}:{index}")
            arm = rng.choice(["A", "B"])
            mode = rng.choices(modes, weights=list(MODES.values()))[0]
            with transaction.atomic():
                response = response_record(
                    survey=survey,
                    answers=answers_draw(spec, arm, rng, sample),
                    mode=mode,
                    entered_by=None if mode == Response.Mode.ONLINE else officer,
                    split_arm=arm,
                )
            submitted = submitted_at_draw(rng, opened=opened, now=latest)
            response.submitted_at = submitted
            response.started_at = submitted - dt.timedelta(minutes=rng.randint(4, 25))
            times.append(response)
        Response.objects.bulk_update(times, ["started_at", "submitted_at"], batch_size=500)
        return len(times)

    def weighting_ensure(self, survey: Survey) -> str:
        """Targets for the demo survey, then weights; results.services validates both."""
        from results.models import PopulationTarget, WeightingRun
        from results.services import targets_set

        if not PopulationTarget.objects.filter(survey=survey).exists():
            # One transaction: the weighting each change queues runs after all three are set.
            with transaction.atomic():
                for margin, shares in POPULATION_TARGETS.items():
                    targets_set(survey=survey, margin=margin, shares=shares)
        else:
            from results.tasks import reweight_survey

            reweight_survey.delay(survey.pk)
        run = WeightingRun.objects.filter(survey=survey).first()
        if run is None:
            return "queued for the Celery worker"
        return f"{run.get_status_display()} ({run.message})"

    def survey_url(self, survey: Survey) -> str:
        try:
            return reverse("surveys:landing", kwargs={"slug": survey.slug})
        except NoReverseMatch:
            return f"/s/{survey.slug}/"

    def login_url(self) -> str:
        try:
            return reverse("login")
        except NoReverseMatch:
            return reverse("admin:login")
