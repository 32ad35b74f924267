"""The record of every export an officer asks for: who, when, what, and how far it has got.

Export files hold answers, never invitees' names or addresses, but they are still a council's
data: they are stored outside the public media URL and only served through a scoped view.
Every stored export file is one a record points to: each attempt at a build saves its file
under a name of its own, through the exports storage (collab/storage.py: this machine's disk,
or a bucket every host shares), before its record is marked ready; the file of an attempt
that is not recorded is deleted (officers.services.export_build), and anything else under
exports/ is removed by the clean-up (officers.services.exports_tidy).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from collab.storage import exports_storage


def _export_path(export: Export, filename: str) -> str:
    return f"exports/{export.survey.council.slug}/{export.survey.slug}/{export.pk}-{filename}"


class Export(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", "CSV of the report's figures, with intervals and bases"
        XLSX = "xlsx", "Excel (the comparison and a table per question)"
        SAV = "sav", "SPSS (.sav) of the report's figures"
        PDF = "pdf", "PDF of the comparison report"
        MICRO_CSV = "mcsv", "Microdata: one row per respondent, CSV with a README (zip)"
        MICRO_SAV = "msav", "Microdata: one row per respondent, SPSS (.sav)"
        COMMENTS_CSV = "ccsv", "Residents' comments, redacted, with their themes (CSV)"
        COMMENTS_XLSX = "cxls", "Residents' comments, redacted, with their themes (Excel)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Deleted after the retention period"
        ERASED = "erased", "Deleted: a resident in it had their answers erased"
        RETIRED = "retired", "Deleted: made before small groups were hidden"

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    weighted = models.BooleanField(default=False)
    # The report's filters the export was taken with (officers.exports.filters_record): the
    # file holds the figures of the page it was asked for from, and says so.
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    message = models.TextField(blank=True)
    file = models.FileField(
        upload_to=_export_path, storage=exports_storage, blank=True, max_length=300
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker building it: a second delivery of the task (Redis hands a task
    # back when it outlives the visibility timeout) leaves a fresh lease alone and takes over
    # a stale one. Only the holder of claim_token may record the file.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Times a worker has started building it."
    )
    # Every response whose answers the file holds, or went into its figures: erasing one of
    # them deletes the file (officers.services.exports_erase_for).
    responses = models.ManyToManyField("surveys.Response", blank=True, related_name="+")
    # Set as the file is recorded by the disclosure-controlled build (results.disclosure:
    # aggregates with small groups hidden, microdata at k >= 5). A file without it was made
    # before that (one row per respondent for any officer) and is never served.
    disclosure_controlled = models.BooleanField(default=False)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["survey", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.survey_id} ({self.status})"

    @property
    def extension(self) -> str:
        return {
            self.Kind.MICRO_CSV: "zip",
            self.Kind.MICRO_SAV: "sav",
            self.Kind.COMMENTS_CSV: "csv",
            self.Kind.COMMENTS_XLSX: "xlsx",
        }.get(self.kind, self.kind)

    @property
    def download_name(self) -> str:
        """The file's name on the officer's computer (the stored one also names the attempt
        that built it)."""
        stamp = timezone.localtime(self.finished_at).strftime("%Y%m%d-%H%M")
        return f"{self.pk}-{self.survey.slug}-{stamp}.{self.extension}"

    @property
    def is_microdata(self) -> bool:
        return self.kind in MICRODATA_KINDS

    @property
    def is_finished(self) -> bool:
        return self.status in (
            self.Status.READY,
            self.Status.FAILED,
            self.Status.EXPIRED,
            self.Status.ERASED,
            self.Status.RETIRED,
        )

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and bool(self.file) and self.disclosure_controlled


MICRODATA_KINDS = (Export.Kind.MICRO_CSV, Export.Kind.MICRO_SAV)
# Residents' comments (permission comments.read): made from the comments page, not the
# exports form, and only ever of comments that went through the redaction step.
COMMENT_KINDS = (Export.Kind.COMMENTS_CSV, Export.Kind.COMMENTS_XLSX)


class FindingsPage(models.Model):
    """A council's public "what you told us" page for one survey: whole-survey headline
    figures beside the national ones, and what the council will do about each."""

    survey = models.OneToOneField(
        "surveys.Survey", on_delete=models.CASCADE, related_name="findings_page"
    )
    introduction = models.TextField(
        blank=True, help_text="A few words from the council above the findings (optional)."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # The figures residents read are those of the last publication (PublishedFigure), so they
    # cannot drift away from what the council wrote about them as responses keep arriving.
    figures_taken_at = models.DateTimeField(
        null=True, blank=True, help_text="When the published figures were computed."
    )
    figures_respondents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Complete responses the published figures are from."
    )
    figures_weighted = models.BooleanField(default=False)

    objects = ScopedManager(council="survey__council")

    def __str__(self) -> str:
        return f"What you told us: {self.survey}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Finding(models.Model):
    """One national figure chosen for the page, named by its codes (the baseline can be
    reloaded without breaking the page), and the council's answer to it ("we did")."""

    page = models.ForeignKey(FindingsPage, on_delete=models.CASCADE, related_name="findings")
    question_code = models.SlugField(max_length=40)
    item_code = models.SlugField(max_length=40, blank=True)
    net_label = models.CharField(max_length=120)
    chosen = models.BooleanField(default=False)
    we_did = models.TextField(blank=True)

    objects = ScopedManager(council="page__survey__council")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page", "question_code", "item_code", "net_label"],
                name="officers_finding_once_per_figure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_code} {self.item_code} {self.net_label}".replace("  ", " ")

    @property
    def figure_key(self) -> tuple[str, str, str]:
        return (self.question_code, self.item_code, self.net_label)


class PublishedFigure(models.Model):
    """A chosen finding's whole-survey figure as it stood when the page was last published:
    what residents read until the officer publishes again."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="published")
    position = models.PositiveSmallIntegerField(help_text="Its place in the report's order.")
    label = models.CharField(max_length=300, help_text="Item and answer, as the report words them.")
    local_percent = models.FloatField()
    base = models.PositiveIntegerField()
    national_percent = models.FloatField(null=True, blank=True)
    national_exact = models.BooleanField(default=True)
    national_wording = models.CharField(max_length=120, blank=True)
    verdict = models.CharField(max_length=40, blank=True)

    objects = ScopedManager(council="finding__page__survey__council")

    class Meta:
        ordering = ["position"]
        constraints = [
            # The smallest base a public figure may have (officers.findings.MIN_PUBLIC_BASE).
            models.CheckConstraint(
                condition=models.Q(base__gte=50), name="officers_published_figure_base_50"
            )
        ]

    def __str__(self) -> str:
        return f"{self.finding}: {self.local_percent:.0f}% of {self.base}"


class Theme(models.Model):
    """One theme of a survey's coding frame for residents' comments, which research officers
    write and edit as they read (officers.comments). A comment may be coded with several."""

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True, max_length=500)
    # Words that suggest the theme (with its name): a comment that uses one is offered the
    # theme, for the officer to accept or not (officers.comments.theme_suggestions).
    keywords = models.CharField(
        max_length=300, blank=True, help_text="Words that suggest this theme, separated by commas."
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "name"], name="officers_theme_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class CommentCoding(models.Model):
    """What research officers made of one resident's comment (an answer to a free-text
    question): its themes, and its redaction, the step every comment takes before it is
    quoted on the public page or exported.

    It belongs to its answer: erasing the response deletes the answer, and this with it.
    """

    class Redaction(models.TextChoices):
        PENDING = "pending", "Waiting for the redaction step"
        CLEAN = "clean", "Checked: no personal data"
        MASKED = "masked", "Personal data masked"

    answer = models.OneToOneField("surveys.Answer", on_delete=models.CASCADE, related_name="coding")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    themes = models.ManyToManyField(Theme, blank=True, related_name="codings")
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    coded_at = models.DateTimeField(null=True, blank=True)
    redaction = models.CharField(max_length=8, choices=Redaction.choices, default=Redaction.PENDING)
    # The comment as it may leave the product: personal data masked ("[email]", "[name]"...).
    redacted_text = models.TextField(blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redacted_at = models.DateTimeField(null=True, blank=True)
    # Quoted on the public "what you told us" page (redacted text only).
    quoted = models.BooleanField(default=False)

    objects = ScopedManager(council="survey__council")

    class Meta:
        indexes = [models.Index(fields=["survey", "redaction"])]
        constraints = [
            # A comment is quoted only once its redaction step is done.
            models.CheckConstraint(
                condition=~models.Q(quoted=True, redaction="pending"),
                name="officers_comment_quoted_redacted",
            )
        ]

    def __str__(self) -> str:
        return f"Coding of answer {self.answer_id}"

    @property
    def is_redacted(self) -> bool:
        return self.redaction != self.Redaction.PENDING
