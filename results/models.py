"""The national baseline, a survey's population targets, and the record of weighting runs.

Weights themselves live on each response (``surveys.Response.weight``) so that aggregation can
sum them in the same GROUP BY that counts answers.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


class NationalFigure(models.Model):
    """One figure the 2014 report publishes from its own survey, with where it comes from.

    A figure is a *net*: the share of a group (all adults, or a published subgroup) who gave one
    of ``net_option_codes`` to a question (and grid item). Verbal figures ("one in seven") are
    kept, marked ``exact=False``, with the fraction their words name in ``percent``; they are
    shown for context and never tested.
    """

    questionnaire_slug = models.SlugField(max_length=80)
    position = models.PositiveIntegerField(help_text="Order of the figure in the report.")
    question_code = models.SlugField(max_length=40)
    item_code = models.SlugField(max_length=40, blank=True)
    net_label = models.CharField(max_length=120)
    net_option_codes = models.JSONField(help_text="Option codes that make up the net.")
    percent = models.DecimalField(max_digits=4, decimal_places=1)
    base = models.PositiveIntegerField(
        null=True, blank=True, help_text="Respondents the figure is based on; blank if unpublished."
    )
    base_note = models.TextField(blank=True)
    subgroup_label = models.CharField(max_length=80, default="all adults")
    subgroup_question_code = models.SlugField(max_length=40, blank=True)
    subgroup_option_code = models.SlugField(max_length=40, blank=True)
    exact = models.BooleanField(default=True)
    approximate_wording = models.CharField(max_length=80, blank=True)
    trend_2010 = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    source = models.TextField(help_text="The report's sentence(s), verbatim.")
    design_effect = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=1,
        help_text="The national survey's design effect; the report does not publish one.",
    )
    split_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["questionnaire_slug", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "questionnaire_slug",
                    "question_code",
                    "item_code",
                    "net_label",
                    "subgroup_label",
                ],
                name="national_figure_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100),
                name="national_figure_percent_range",
            ),
        ]

    def __str__(self) -> str:
        item = f" {self.item_code}" if self.item_code else ""
        return (
            f"{self.question_code}{item} {self.net_label} ({self.subgroup_label}): {self.percent}%"
        )

    @property
    def has_subgroup(self) -> bool:
        return bool(self.subgroup_question_code)


class PopulationTarget(models.Model):
    """A population share a survey's respondents are weighted to (e.g. AGE 15_24 = 0.14)."""

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="population_targets"
    )
    margin = models.SlugField(max_length=40, help_text="A question code, e.g. AGE, SEX or AREA.")
    category = models.SlugField(max_length=40, help_text="An option code, or an area code.")
    share = models.DecimalField(max_digits=7, decimal_places=6, help_text="A fraction of 1.")

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["survey", "margin", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "margin", "category"], name="population_target_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(share__gte=0, share__lte=1),
                name="population_target_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.margin} {self.category}: {self.share}"


class WeightingRun(models.Model):
    """One attempt to weight a survey's responses, kept so officers can see what was done."""

    class Status(models.TextChoices):
        OK = "ok", "Weighted"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="weighting_runs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices)
    message = models.TextField(blank=True)
    respondents = models.PositiveIntegerField(default=0)
    efficiency = models.FloatField(null=True, blank=True)
    effective_base = models.FloatField(null=True, blank=True)
    iterations = models.PositiveIntegerField(null=True, blank=True)
    cap = models.FloatField(null=True, blank=True)
    capped = models.PositiveIntegerField(
        null=True, blank=True, help_text="Respondents whose weight was held at the cap."
    )
    margins = models.JSONField(default=list, blank=True, help_text="The margins raked on.")
    cells = models.JSONField(
        default=list,
        blank=True,
        help_text="Each weighting cell's category on every margin, by the cell number stored "
        "on its responses.",
    )

    objects = ScopedManager(council="survey__council")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["survey", "-created_at"])]

    def __str__(self) -> str:
        return f"Weighting of {self.survey_id} at {self.created_at:%Y-%m-%d %H:%M}: {self.status}"
