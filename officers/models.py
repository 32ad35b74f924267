"""The record of every export an officer asks for: who, when, what, and how far it has got.

Export files hold answers, never invitees' names or addresses, but they are still a council's
data: they are stored outside the public media URL and only served through a scoped view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


def _export_path(export: Export, filename: str) -> str:
    return f"exports/{export.survey.council.slug}/{export.survey.slug}/{export.pk}-{filename}"


class Export(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", "CSV (one row per response)"
        XLSX = "xlsx", "Excel (a sheet per question and the comparison)"
        SAV = "sav", "SPSS (.sav, with variable and value labels)"
        PDF = "pdf", "PDF of the comparison report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    weighted = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    message = models.TextField(blank=True)
    file = models.FileField(upload_to=_export_path, blank=True, max_length=300)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["survey", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.survey_id} ({self.status})"

    @property
    def extension(self) -> str:
        return self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
