"""The report's filters and the export request: plain GET/POST forms that work without
JavaScript. Choices come from the survey, so an unknown code is a form error, not a 500."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from officers.models import COMMENT_KINDS, MICRODATA_KINDS, Export
from results.labels import group_name
from results.periods import dates_snap, periods_partition
from results.selectors import ResponseFilters
from surveys.models import Area, Option, Question, Response, Survey

WEIGHTED, UNWEIGHTED = "weighted", "unweighted"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]


def demographic_choices(survey: Survey) -> list[tuple[str, str]]:
    """Questions a report can be broken down by: the single-choice demographics and the area."""
    rows = Question.objects.filter(
        questionnaire_id=survey.questionnaire_id,
        is_demographic=True,
        kind__in=[Question.Kind.SINGLE, Question.Kind.AREA],
    ).order_by("page__position", "position")
    return [(q.code, q.text) for q in rows]


def subgroup_choices(survey: Survey) -> list[tuple[str, list[tuple[str, str]]]]:
    """Subgroups to filter to, grouped by question: value "AGE:15_24"."""
    options = (
        Option.objects.filter(
            question__questionnaire_id=survey.questionnaire_id,
            question__is_demographic=True,
            question__kind=Question.Kind.SINGLE,
            exclusive=False,
        )
        .select_related("question")
        .order_by("question__page__position", "question__position", "position")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for o in options:
        # Each choice names its question ("Children under 16 at home: Yes"): a "Yes" alone
        # reads the same in every group, and a screen reader announces the choice alone.
        name = group_name(o.question.code, o.question.text)
        groups.setdefault(name, []).append((f"{o.question.code}:{o.code}", f"{name}: {o.label}"))
    return list(groups.items())


class ReportFiltersForm(forms.Form):
    weighting = forms.ChoiceField(
        label="Weighting",
        choices=[(WEIGHTED, "Weighted to the population"), (UNWEIGHTED, "Unweighted")],
        required=False,
        widget=forms.RadioSelect,
    )
    # Dates are chosen in whole periods of the fieldwork (results.periods), from select lists;
    # a date given in the address is widened to the periods it falls in.
    submitted_from = forms.DateField(
        label="From period", required=False, input_formats=DATE_FORMATS, widget=forms.Select
    )
    submitted_to = forms.DateField(
        label="To period", required=False, input_formats=DATE_FORMATS, widget=forms.Select
    )
    mode = forms.ChoiceField(label="Way of answering", required=False)
    area = forms.ChoiceField(label="Area", required=False)
    subgroup = forms.ChoiceField(label="Only this group of residents", required=False)
    breakdown = forms.ChoiceField(label="Break down by", required=False)
    order = forms.ChoiceField(
        label="Order the options of multiple-choice questions",
        choices=[("questionnaire", "As the questionnaire lists them"), ("size", "Largest first")],
        required=False,
    )

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select) and not isinstance(
                field.widget, forms.RadioSelect
            ):
                field.widget.attrs["class"] = "govuk-select"
        periods = periods_partition(survey=survey)
        self.fields["submitted_from"].widget.choices = [
            ("", "From the start"),
            *((p.start.isoformat(), p.label) for p in periods),
        ]
        self.fields["submitted_to"].widget.choices = [
            ("", "To the latest"),
            *((p.end.isoformat(), p.label) for p in periods),
        ]
        self.dates_notice = ""
        self.fields["mode"].choices = [("", "All ways"), *Response.Mode.choices]
        self.fields["area"].choices = [
            ("", "All areas"),
            *Area.objects.filter(council_id=survey.council_id).values_list("code", "name"),
        ]
        self.fields["subgroup"].choices = [("", "Everyone"), *subgroup_choices(survey)]
        self.fields["breakdown"].choices = [("", "No breakdown"), *demographic_choices(survey)]
        self.fields["submitted_from"].error_messages["invalid"] = (
            "Enter the start date as a real date, for example 27/3/2026"
        )
        self.fields["submitted_to"].error_messages["invalid"] = (
            "Enter the end date as a real date, for example 27/3/2026"
        )
        self.fields["breakdown"].error_messages["invalid_choice"] = (
            "You can only break results down by one of the listed questions (such as AGE or SEX)"
        )

    def full_clean(self) -> None:
        super().full_clean()
        # GOV.UK error styling, and the message read out with the field that has it.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = (
                    f"{attrs.get('class', '')} {attrs.get('class', '').split()[0]}--error".strip()
                    if attrs.get("class")
                    else ""
                )
                attrs["aria-describedby"] = (
                    f"{attrs.get('aria-describedby', '')} id_{name}-error".strip()
                )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error(
                "submitted_to", "The to period must be the same as or after the from period"
            )
        elif (start or end) and not self.errors:
            # Widened to whole periods of the selection (results.periods), and the lists show
            # the periods used, so two overlapping choices never differ by a few people.
            snapped = dates_snap(survey=self.survey, filters=self.filters())
            cleaned["submitted_from"] = snapped.filters.submitted_from
            cleaned["submitted_to"] = snapped.filters.submitted_to
            self.dates_notice = snapped.notice
            if snapped.changed:
                self.data = self.data.copy()
                for name in ("submitted_from", "submitted_to"):
                    if cleaned[name]:
                        self.data[name] = cleaned[name].isoformat()
        return cleaned

    def filters(self) -> ResponseFilters:
        data = self.cleaned_data
        subgroup = data.get("subgroup") or ""
        return ResponseFilters(
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            mode=data.get("mode") or None,
            area=data.get("area") or None,
            subgroups=(tuple(subgroup.split(":", 1)),) if subgroup else (),
        )

    @property
    def is_weighted(self) -> bool:
        return self.cleaned_data.get("weighting") == WEIGHTED


class ExportForm(forms.Form):
    """What to export. One row per respondent is offered to research officers only."""

    kind = forms.ChoiceField(
        label="Format",
        # Residents' comments are exported from their own page (officers.comment_views).
        choices=[(v, label) for v, label in Export.Kind.choices if v not in COMMENT_KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a format", "invalid_choice": "Select a format"},
    )
    weighting = forms.ChoiceField(
        label="Figures in the comparison",
        help_text=(
            "Used for the report's figures. One row per respondent always includes each "
            "respondent's weight."
        ),
        choices=[(WEIGHTED, "Weighted to the population"), (UNWEIGHTED, "Unweighted")],
        initial=UNWEIGHTED,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(
        self, *args, microdata: bool = False, weighting_applies: bool = True, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        # Weighted when the report is (the same default as the page); not asked at all when
        # the survey has not been weighted, since it would change nothing in the file.
        self.weighting_applies = weighting_applies
        if weighting_applies:
            self.fields["weighting"].initial = WEIGHTED
        else:
            del self.fields["weighting"]
        if not microdata:
            self.fields["kind"].choices = [
                (value, label)
                for value, label in self.fields["kind"].choices
                if value not in MICRODATA_KINDS
            ]

    @property
    def is_weighted(self) -> bool:
        """Weighted unless asked otherwise, when weighting applies (the report's default)."""
        if not self.weighting_applies:
            return False
        return (self.cleaned_data.get("weighting") or WEIGHTED) == WEIGHTED


class FindingsForm(forms.Form):
    """Which findings go on the public page, and what the council will do about each: one
    checkbox and one text box per whole-survey national figure, named by its place in the list."""

    introduction = forms.CharField(
        label="Introduction (optional)",
        help_text="A few words from the council shown above the findings.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )

    def __init__(self, *args, candidates: list, saved: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for c in candidates:
            finding = saved.get(c.key)
            self.fields[f"publish_{c.index}"] = forms.BooleanField(
                label="Publish this finding",
                required=False,
                initial=bool(finding and finding.chosen),
                disabled=not c.publishable,
            )
            self.fields[f"we_did_{c.index}"] = forms.CharField(
                label="What the council will do about it",
                required=False,
                max_length=2000,
                initial=finding.we_did if finding else "",
                widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
            )

    def clean(self):
        cleaned = super().clean()
        for c in self.candidates:
            if (
                cleaned.get(f"publish_{c.index}")
                and not (cleaned.get(f"we_did_{c.index}") or "").strip()
            ):
                self.add_error(
                    f"we_did_{c.index}",
                    f"Say what the council will do about finding {c.index + 1}, or untick "
                    "'Publish this finding'",
                )
        return cleaned

    def rows(self) -> list[tuple]:
        return [(c, self[f"publish_{c.index}"], self[f"we_did_{c.index}"]) for c in self.candidates]

    def choices(self) -> list:
        from officers.services import FindingChoice

        return [
            FindingChoice(
                key=c.key,
                chosen=bool(self.cleaned_data.get(f"publish_{c.index}")),
                we_did=self.cleaned_data.get(f"we_did_{c.index}") or "",
            )
            for c in self.candidates
        ]


class SignInForm(AuthenticationForm):
    """Django's sign-in form with errors that name their box, so the error summary's links
    say which box to fix ("Enter your username", not "This field is required." twice)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
