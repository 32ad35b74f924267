"""Councils, questionnaires (as data), surveys, invitations, responses and answers.

Personal data (invitees' names and addresses) never lives on a response or an answer:
a response links to an invitation at most, and the invitation holds only a hash of its code.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class Council(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    logo = models.ImageField(upload_to="council-logos/", blank=True)
    accent_colour = models.CharField(
        max_length=7,
        default="#1d70b8",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1d70b8.")],
        help_text="Shown on residents' pages; it must contrast with white text.",
    )
    return_address = models.TextField(
        blank=True,
        help_text="Printed at the top of letters: where residents post paper questionnaires "
        "back to. One line per line of the address.",
    )
    base_url = models.URLField(
        blank=True,
        help_text="The web address residents are sent to in letters and e-mails, such as "
        "https://survey.example-council.gov.uk. Empty: the installation's SITE_URL.",
    )
    email_sender_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name invitation e-mails come from. Empty: the council's name.",
    )
    email_reply_to = models.EmailField(
        blank=True,
        help_text="Where residents' replies to invitation e-mails go. Empty: no reply address.",
    )
    email_subject = models.CharField(
        max_length=200,
        blank=True,
        help_text="The invitation e-mail's subject, with placeholders such as ((survey)). "
        "Empty: “((council)): ((survey))”. Reminders start with “Reminder: ”.",
    )
    email_body = models.TextField(
        blank=True,
        help_text="Your own wording of the invitation e-mail. Placeholders: ((name)), "
        "((council)), ((survey)), ((link)), ((code)), ((use_by)), ((reference)), ((contact)); "
        "((link)) and ((code)) must be there. Reminders add a line saying so. Empty: the "
        "standard wording.",
    )
    letter_body = models.TextField(
        blank=True,
        help_text="Your own wording of the letter, between “Dear …” and the printed code, "
        "with the same placeholders. The date, addresses, code, reference and contact line "
        "are placed by the layout. Empty: the standard wording.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        through_fields=("council", "user"),
        blank=True,
        related_name="councils",
    )

    objects = ScopedManager(council="pk")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from surveys.wording import EMAIL_NEEDS, wording_problems

        errors: dict[str, list[str]] = {}
        try:
            accent_colour_check(self.accent_colour)
        except ValidationError as error:
            errors["accent_colour"] = error.messages
        for field, needs in [
            ("email_subject", ()),
            ("email_body", EMAIL_NEEDS),
            ("letter_body", ()),
        ]:
            text = getattr(self, field)
            if text and (problems := wording_problems(text, needs=needs)):
                errors[field] = problems
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """One role a person holds in one council (surveys.tenancy says what each role may do).
    A person may hold several roles, in one council or in several."""

    class Role(models.TextChoices):
        COUNCIL_ADMIN = "council_admin", "Council administrator"
        OFFICER = "officer", "Officer"
        RESEARCH_OFFICER = "research_officer", "Research officer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICER)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager(council="council")

    class Meta:
        ordering = ["council", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "council", "role"], name="membership_role_once_per_council"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display().lower()} of {self.council}"


class Area(models.Model):
    """A ward or postcode district a council's residents choose from."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    objects = ScopedManager(council="council")

    class Meta:
        ordering = ["council", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="area_code_unique_per_council")
        ]

    def __str__(self) -> str:
        return self.name


class Questionnaire(models.Model):
    """A versioned questionnaire. Once a live survey uses a version it is frozen."""

    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="Where the wording comes from.")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
        help_text="The council whose own version this is. Empty: offered to every council and "
        "changed by platform administrators only.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="questionnaire_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def is_locked(self) -> bool:
        """A questionnaire that a survey has left draft for can only be copied, not edited."""
        # Every council's surveys: a version another council has taken live is frozen too.
        surveys = Survey.objects.with_scopes_disabled().filter(questionnaire=self)
        return surveys.exclude(status=Survey.Status.DRAFT).exists()


class Page(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="page_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Wording(models.TextChoices):
    REPORT = "report", "Taken from the 2014 report"
    COMPLETED = "completed", "Completed in the report's style"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        GRID = "grid", "Grid (items on one scale)"
        TEXT = "text", "Free text"
        NUMBER = "number", "Number"
        AREA = "area", "Area (the council's wards or districts)"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    code = models.SlugField(max_length=40, help_text="Stable code used in exports and baselines.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    hint = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    is_demographic = models.BooleanField(default=False)
    min_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.REPORT)

    class Meta:
        ordering = ["page__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"], name="question_code_unique_per_questionnaire"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"


class SplitArm(models.TextChoices):
    A = "A", "Half A"
    B = "B", "Half B"


class Item(models.Model):
    """A row of a grid question. An item with an arm is asked of that half only."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    code = models.SlugField(max_length=40)
    text = models.TextField()
    split_arm = models.CharField(max_length=1, choices=SplitArm.choices, blank=True)
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.REPORT)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="item_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField()
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=300)
    exclusive = models.BooleanField(
        default=False,
        help_text="Cannot be combined with other options (None of these, Don't know).",
    )
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.REPORT)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Survey(models.Model):
    """A council's run of a questionnaire."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="surveys")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="surveys"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    public_link = models.BooleanField(
        default=True, help_text="Anyone with the link can answer. Off: invitation codes only."
    )
    privacy_notice = models.TextField(
        help_text="Shown to residents before the first question.",
    )
    contact = models.CharField(
        max_length=300, help_text="Who residents can contact about this survey."
    )
    retention_days = models.PositiveIntegerField(
        default=365,
        help_text="Days after closing when invitees' personal data is deleted; answers stay.",
    )
    invitation_code_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Days an invitation code works after its e-mail or letter is made (to the end "
        "of the last day). Empty: until the survey closes. Letters and e-mails give the date.",
    )

    class Adjustment(models.TextChoices):
        """How the headline verdicts allow for the many figures tested at once."""

        NONE = "none", "None: each figure tested on its own at 5%"
        HOLM = "holm", "Holm: chance of any false verdict held to 5%"
        BH = "bh", "Benjamini-Hochberg: share of false verdicts held to 5%"

    multiple_comparisons = models.CharField(
        max_length=4,
        choices=Adjustment.choices,
        default=Adjustment.BH,
        help_text="Adjustment of the verdicts for the number of figures tested in one report. "
        "The unadjusted p-value is always shown beside the adjusted one.",
    )
    min_test_base = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(2)],
        help_text="Smallest effective base a figure is tested on; below it the figure is shown "
        'with its interval and "too few responses to test".',
    )
    national_design_effect = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text="Design effect assumed for the 2014 national survey, which publishes none. "
        "Empty: 1, as if from a simple random sample of its base.",
    )
    # Protection of the public link (surveys/integrity.py). Generous by default: a household
    # shares one address, and a flag only asks an officer to look.
    start_limit = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="New responses one network may start in an hour on the public link.",
    )
    submit_limit = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Responses one network may send in an hour on the public link.",
    )
    burst_limit = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Responses from one network within 10 minutes accepted without a flag; "
        "beyond this, every response of the burst is flagged for review.",
    )
    fast_page_seconds = models.PositiveIntegerField(
        default=3,
        help_text="A response whose median time per page is under this many seconds is "
        "flagged for review as implausibly fast. 0 turns the check off.",
    )
    start_challenge = models.BooleanField(
        "ask for a start challenge",
        default=False,
        help_text="Ask each browser that starts on the public link to do a few seconds of "
        "unseen work first (surveys/challenge.py), which makes scripted starts costly. "
        "Residents without JavaScript wait about 30 seconds instead. Codes from letters "
        "and resume codes are never asked.",
    )
    in_progress_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Days after which an unfinished response nobody has touched is deleted. "
        "Empty: the platform's setting (IN_PROGRESS_RESPONSE_DAYS).",
    )
    # A survey run again is the next wave of the earlier one (surveys.waves): the report
    # compares each figure with every earlier wave. Same council, and the same questionnaire
    # or a version of it whose questions keep their codes (checked by surveys.waves).
    previous_wave = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_waves",
        help_text="The earlier survey this one repeats, compared with in the report. Only one "
        "of the same council, with the same questionnaire or a version of it.",
    )
    wave_label = models.CharField(
        max_length=40,
        blank=True,
        help_text='How this wave is named in comparisons ("2025", "Spring 2026"). Empty: the '
        "year it opened.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(council="council")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def wave_name(self) -> str:
        """The wave's name in comparisons: its label, or the year it opened (or was set up)."""
        if self.wave_label:
            return self.wave_label
        return f"{(self.opens_at or self.created_at):%Y}"

    def is_open(self, now=None) -> bool:
        return self.availability(now) == "open"

    def availability(self, now=None) -> str:
        """'open', 'not_yet_open' or 'closed', from the status and the dates."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT or (self.opens_at and now < self.opens_at):
            return "not_yet_open"
        if self.status == self.Status.CLOSED or (self.closes_at and now >= self.closes_at):
            return "closed"
        return "open"


def invitation_secret() -> str:
    import secrets

    return secrets.token_hex(16)


def used_day(when: dt.datetime) -> dt.datetime:
    """When an invitation was used, as it is stored: the start of that day (UK time), never
    the time of the response, so the two cannot be matched to join names to answers."""
    return timezone.localtime(when).replace(hour=0, minute=0, second=0, microsecond=0)


class Invitation(models.Model):
    """A personal code for one resident. Only the hash of the code is stored: the code itself
    is derived again, when a letter or e-mail needs it, from this invitation's secret and the
    installation's key (surveys.invitations.invitation_code)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    code_hash = models.CharField(max_length=64, unique=True)
    code_secret = models.CharField(max_length=32, default=invitation_secret, editable=False)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(council="survey__council")

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.survey}"


class Response(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper"
        TELEPHONE = "telephone", "Telephone"

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"
        # Sent, then set aside by an officer (surveys/review.py): every figure, weighting,
        # export and findings page counts status=COMPLETE only, so a voided response is left
        # out of all of them by this one value, and restoring it puts it back exactly.
        VOIDED = "voided", "Voided"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    split_arm = models.CharField(max_length=1, choices=SplitArm.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ONLINE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    draft = models.JSONField(default=dict, blank=True, help_text="Answers given so far, by code.")
    furthest_page = models.PositiveIntegerField(default=1)
    resume_code_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Hash of the resident's own code: it resumes a response in progress and, "
        "once the answers are sent, lets the resident have them erased.",
    )
    # The invitation code, keyed with the site's secret, so that erasure by that code keeps
    # working once the link to the invitation (and its invitee's name and address) is cut at
    # close (surveys.lifecycle.responses_unlink); unlike the invitation's own hash it cannot
    # be matched to it without the code.
    erasure_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # An area that responses name cannot be deleted: their answers would lose it silently.
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    weight = models.FloatField(default=1.0)
    # The weighting cell (one category on every raking margin) the last weighting run put this
    # response in, an index into that run's ``cells``; null when the response was not weighted.
    # Results sum answers by cell for the design-based variance of weighted figures.
    weight_cell = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(
        default=timezone.now, help_text="Last time the resident saved a page or sent it."
    )
    ref = models.CharField(
        max_length=50,
        blank=True,
        default="",
        help_text="The number written on a paper form (the REF column of an import).",
    )
    received_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day a paper form came back, as the officer who entered it recorded it.",
    )
    import_batch = models.ForeignKey(
        "ResponseImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    void_reason = models.TextField(blank=True, help_text="Why an officer voided it.")
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        indexes = [
            models.Index(fields=["survey", "status", "submitted_at"]),
            models.Index(fields=["status", "updated_at"], name="response_stale_idx"),
        ]
        constraints = [
            # A paper form is imported once: the database refuses its number a second time.
            models.UniqueConstraint(
                fields=["survey", "ref"],
                condition=~models.Q(ref=""),
                name="response_ref_once_per_survey",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.public_id}"

    @property
    def is_complete(self) -> bool:
        """Sent by the resident (a voided response was sent too: it cannot be sent again)."""
        return self.status in (self.Status.COMPLETE, self.Status.VOIDED)

    @property
    def is_voided(self) -> bool:
        return self.status == self.Status.VOIDED


class ResponseSource(models.Model):
    """Where a response came from, kept apart from its answers and deleted with the survey's
    retention. Never an address: a keyed hash (HMAC with SECRET_KEY) of its network, an IPv4
    /24 or IPv6 /48, enough to see a burst from one place and nothing more."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="source")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    network_hash = models.CharField(max_length=64, blank=True, db_index=True)
    user_agent_family = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    page_seconds = models.JSONField(
        default=dict, blank=True, help_text="Seconds spent on each page, by page number."
    )
    answers_hash = models.CharField(max_length=64, blank=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        indexes = [
            models.Index(fields=["survey", "network_hash", "finished_at"], name="source_burst_idx")
        ]

    def __str__(self) -> str:
        return f"Source of response {self.response_id}"


class ResponseFlag(models.Model):
    """A reason to review a response. A flag never drops the response: it is counted until an
    officer voids it."""

    class Reason(models.TextChoices):
        BURST = "burst", "Many responses from one network at once"
        FAST = "fast", "Finished implausibly fast"
        STRAIGHT_LINE = "straight_line", "The same answer to every statement of every grid"
        DUPLICATE = "duplicate", "The same answers as another response from the same network"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="flags")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(council="survey__council")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "reason"], name="flag_once_per_reason")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} (response {self.response_id})"


class ResponseImport(models.Model):
    """One file of paper responses, imported in the background and undone as a whole."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        CHECKING = "checking", "Checking the rows"
        STORING = "storing", "Storing the responses"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Refused: nothing was stored"
        FAILED = "failed", "Failed: nothing was stored"
        UNDONE = "undone", "Undone: its responses were deleted"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True, help_text="The file, kept until it is imported.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    problems_total = models.PositiveIntegerField(default=0)
    digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the file once imported."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.filename or 'a file'}"

    @property
    def finished(self) -> bool:
        return self.status in (
            self.Status.DONE,
            self.Status.REJECTED,
            self.Status.FAILED,
            self.Status.UNDONE,
        )


class Answer(models.Model):
    """One chosen option (or one text or number) of a complete response.

    survey is repeated here so the report's GROUP BY never has to join responses.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text_value = models.TextField(blank=True)
    number_value = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        indexes = [
            models.Index(
                fields=["survey", "question", "item", "option"], name="answer_groupby_idx"
            ),
            models.Index(fields=["response", "question"], name="answer_response_idx"),
        ]
        # The report counts one row per chosen option: the database itself refuses a second
        # row for the same option (or, in a grid, a second answer to the same item).
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=models.Q(item__isnull=True, option__isnull=False),
                name="answer_once_per_option",
            ),
            models.UniqueConstraint(
                fields=["response", "item"],
                condition=models.Q(item__isnull=False),
                name="answer_once_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.option or self.text_value or self.number_value}"


class NotAnswered(models.Model):
    """A question (or a grid statement) a complete response was asked and left unanswered:
    item non-response, such as a question left blank on a paper form.

    Kept apart from Answer so that the report's GROUP BY on answers, the bases it sums and the
    weighting read exactly the rows they read before; a question not asked (a statement for
    the other half of the sample) has no row here or there. Counting these is one GROUP BY of
    its own, on a table that holds only the gaps.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="not_answered")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager(council="survey__council")

    class Meta:
        verbose_name_plural = "not answered"
        indexes = [models.Index(fields=["survey", "question", "item"], name="not_answered_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=models.Q(item__isnull=True),
                name="not_answered_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "item"],
                condition=models.Q(item__isnull=False),
                name="not_answered_once_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}{f' {self.item.code}' if self.item_id else ''} not answered"


class AuditEntry(models.Model):
    """Who did what, when: opening and closing surveys, exports, erasures, views of
    response-level data. Entries are only ever added."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    council = models.ForeignKey(Council, null=True, blank=True, on_delete=models.SET_NULL)
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=60, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(council="council")

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


# ---------------------------------------------------------------------------------------------
# Running a survey: the accent colour check, invitees (personal data) and the panel.

# WCAG 2.2 AA contrast for normal text: council colours sit behind white text on residents' pages.
WHITE_TEXT_MIN_CONTRAST = 4.5


def _relative_luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_colour: str) -> float:
    """The WCAG contrast ratio of white text on this colour (1 to 21)."""
    return 1.05 / (_relative_luminance(hex_colour) + 0.05)


def accent_colour_check(hex_colour: str) -> None:
    """Raise ValidationError when white text on this colour fails WCAG AA (4.5:1)."""
    from django.core.exceptions import ValidationError

    if not re.fullmatch(r"#[0-9a-fA-F]{6}", hex_colour or ""):
        raise ValidationError("Use a colour like #1d70b8.")
    ratio = contrast_with_white(hex_colour)
    if ratio < WHITE_TEXT_MIN_CONTRAST:
        raise ValidationError(
            f"White text on {hex_colour} has a contrast of {ratio:.2f}:1; residents' pages need "
            f"at least {WHITE_TEXT_MIN_CONTRAST}:1 (WCAG AA). Choose a darker colour."
        )


class Invitee(models.Model):
    """The name and address an invitation was sent to, kept apart from Invitation and Response.

    Deleted with the survey's retention; the invitation (a code hash and an area) stays, so
    response rates survive the erasure.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        RESPONDED = "responded", "Responded"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitees")
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="invitee")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    postal_address = models.TextField(blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveIntegerField(default=0)
    # Set by the worker that claimed this invitee's e-mail (status sending): only the worker
    # holding the token may record the outcome; an old claim is abandoned and can be retaken.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["survey", "id"]
        indexes = [models.Index(fields=["survey", "status"])]

    def __str__(self) -> str:
        return f"Invitee {self.pk} of {self.survey_id}"

    @property
    def by_email(self) -> bool:
        return bool(self.email)


class PanelMember(models.Model):
    """A resident who offered to help shape services. Linked to the survey only, never to a
    response, so their answers stay anonymous."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="panel_members")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    topics = models.JSONField(default=list, blank=True)
    other_topics = models.TextField(blank=True)
    consented_at = models.DateTimeField(default=timezone.now)
    withdrawal_code_hash = models.CharField(max_length=64, unique=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["survey", "consented_at", "id"]

    def __str__(self) -> str:
        return f"Panel member {self.pk} of {self.survey_id}"


class ScheduledReminder(models.Model):
    """Reminder e-mails (and the reminder count on letters) an officer asked for at a later
    time while the survey is live; sent by the scheduled job `send_scheduled_reminders`."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Not sent: the survey had closed"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="scheduled_reminders")
    send_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [models.Index(fields=["status", "send_at"])]

    def __str__(self) -> str:
        return f"Reminders for {self.survey} at {self.send_at:%d %B %Y %H:%M}"
