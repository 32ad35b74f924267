"""Forms built from the questionnaire: one per page, plus the code form."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Layout, Size
from django import forms
from django.utils.html import escape

from surveys.kinds import KINDS, AnswerError
from surveys.kinds.area import uses_select
from surveys.spec import PageSpec, QuestionSpec


class PageForm(forms.Form):
    """The questions of one page, validated by their kinds' own rules."""

    def __init__(self, *args, page: PageSpec, arm: str, draft: dict[str, Any], **kwargs):
        self.page = page
        self.arm = arm
        initial: dict[str, Any] = {}
        for q in page.questions:
            initial.update(KINDS[q.kind].initial(q, arm, draft.get(q.code)))
        super().__init__(*args, initial=initial, **kwargs)
        for q in page.questions:
            self.fields.update(KINDS[q.kind].form_fields(q, arm))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*[part for q in page.questions for part in _layout(q, arm)])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for q in self.page.questions:
            kind = KINDS[q.kind]
            try:
                kind.validate(q, self.arm, kind.value_from_form(q, self.arm, cleaned))
            except AnswerError as e:
                for field, message in e.errors:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def values(self, *, valid_only: bool = False) -> dict[str, Any]:
        """Answers by question code, as the kinds store them.

        valid_only keeps the questions that passed, for "Previous" and "Save for
        later", which must never lose a good answer because of a bad one.
        """
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        values: dict[str, Any] = {}
        for q in self.page.questions:
            kind = KINDS[q.kind]
            names = kind.form_fields(q, self.arm).keys()
            if valid_only and any(name in self.errors for name in names):
                if q.kind == "grid":
                    # Rows answered well are kept; only the rows in error are left out.
                    kept = {n: data[n] for n in names if n not in self.errors and data.get(n)}
                    values[q.code] = kind.value_from_form(q, self.arm, kept)
                continue
            try:
                values[q.code] = kind.validate(q, self.arm, kind.value_from_form(q, self.arm, data))
            except AnswerError:
                # A partly answered grid, say: keep what was given for when they return.
                values[q.code] = kind.value_from_form(q, self.arm, data)
        return values

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary, in page order.

        Radios and checkboxes are linked to their first input, as the GOV.UK
        error summary pattern asks, so the link moves focus to the question.
        """
        links = []
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                anchor = f"id_{name}_1" if isinstance(field, forms.ChoiceField) else f"id_{name}"
                if isinstance(field, forms.ChoiceField) and _as_select(self, name):
                    anchor = f"id_{name}"
                links.append((anchor, message))
        for message in self.non_field_errors():
            links.append(("main-content", message))
        return links


def _as_select(form: PageForm, name: str) -> bool:
    q = next((q for q in form.page.questions if q.code == name), None)
    return bool(q and q.kind == "area" and uses_select(q))


def _layout(q: QuestionSpec, arm: str) -> list:
    hint = f'<div class="govuk-hint">{escape(q.hint)}</div>' if q.hint else ""
    if q.kind == "grid":
        fields = KINDS["grid"].form_fields(q, arm)
        return [
            HTML(f'<h2 class="govuk-heading-m">{escape(q.text)}</h2>{hint}'),
            *[Field.radios(name, legend_size=Size.SMALL, small=True) for name in fields],
        ]
    if q.kind == "multi":
        return [Field.checkboxes(q.code, legend_size=Size.MEDIUM, legend_tag="h2")]
    if q.kind in ("single", "area"):
        if q.kind == "area" and uses_select(q):
            return [Field.select(q.code)]
        return [Field.radios(q.code, legend_size=Size.MEDIUM, legend_tag="h2")]
    if q.kind == "number":
        return [Field.text(q.code, label_size=Size.MEDIUM, field_width=4)]
    return [Field.textarea(q.code, label_size=Size.MEDIUM, max_characters=q.max_length)]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Enter your code",
        help_text="The code from your letter or e-mail, or the code you were given to "
        "continue later. For example, ABCD-EFGH-JKMN.",
        max_length=40,
        error_messages={"required": "Enter your code"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.text("code", label_size=Size.LARGE, label_tag="h1"))
