"""Forms built from the questionnaire: one per page, plus the code form."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.forms.utils import flatatt

from surveys.kinds import KINDS, AnswerError
from surveys.kinds.area import uses_select
from surveys.spec import PageSpec, QuestionSpec

# The template that draws each kind of question; see templates/surveys/questions/.
QUESTION_TEMPLATES = {
    "single": "surveys/questions/radios.html",
    "multi": "surveys/questions/checkboxes.html",
    "grid": "surveys/questions/grid.html",
    "number": "surveys/questions/number.html",
    "text": "surveys/questions/textarea.html",
    "area": "surveys/questions/radios.html",
}


@dataclass(frozen=True)
class ChoiceView:
    id: str
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class FieldView:
    """One form field as its template draws it: ids, hint, errors and the answer shown."""

    name: str
    id: str
    label: str
    hint: str
    errors: list[tuple[str, str]]  # (element id, message)
    describedby: str
    choices: list[ChoiceView]
    value: str | None
    attrs: str  # the kind's own widget attributes (inputmode, spellcheck, rows...)


@dataclass(frozen=True)
class QuestionView:
    template: str
    text: str
    hint: str
    size: str  # of the legend: "m" for a question, "s" for a row of a grid
    heading: bool  # the legend is the question's h2
    stem: str  # a grid's question, read at the start of each row's legend
    hint_id: str
    max_length: int | None
    fields: list[FieldView]


class PageForm(forms.Form):
    """The questions of one page, validated by their kinds' own rules.

    Drawn by the small templates in templates/surveys/questions/ (one per kind of
    question), in GOV.UK Frontend markup: see questions().
    """

    def __init__(
        self,
        *args,
        page: PageSpec,
        arm: str,
        draft: dict[str, Any],
        required: bool = True,
        **kwargs,
    ):
        # required=False: an officer entering a paper form or a call, where any question may
        # be left unanswered (stored as not answered); the page is otherwise the resident's.
        if not required:
            page = replace(page, questions=tuple(q.optional() for q in page.questions))
        self.page = page
        self.arm = arm
        initial: dict[str, Any] = {}
        for q in page.questions:
            initial.update(KINDS[q.kind].initial(q, arm, draft.get(q.code)))
        super().__init__(*args, initial=initial, **kwargs)
        # The field names of each question, in page order (a grid has one per row).
        self.question_fields: dict[str, list[str]] = {}
        for q in page.questions:
            fields = KINDS[q.kind].form_fields(q, arm)
            self.fields.update(fields)
            self.question_fields[q.code] = list(fields)

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
            names = self.question_fields[q.code]
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

    def questions(self) -> list[QuestionView]:
        """The page's questions, ready for their templates: plain Django templates with
        no logic of their own, which cost a fraction of a generic form layout."""
        views = []
        for q in self.page.questions:
            fields = [
                self._field_view(name, counted=bool(q.max_length))
                for name in self.question_fields[q.code]
            ]
            hint_id = f"id_{q.code}_hint" if q.hint and q.kind == "grid" else ""
            if hint_id:
                # A grid's hint is the question's, above the rows: each row is described by it.
                fields = [
                    replace(f, describedby=" ".join([hint_id, f.describedby]).strip())
                    for f in fields
                ]
            views.append(
                QuestionView(
                    template=_template(q),
                    text=q.text,
                    hint=q.hint,
                    size="s" if q.kind == "grid" else "m",
                    heading=q.kind != "grid",
                    stem=q.text if q.kind == "grid" else "",
                    hint_id=hint_id,
                    max_length=q.max_length if q.kind == "text" else None,
                    fields=fields,
                )
            )
        return views

    def _field_view(self, name: str, *, counted: bool) -> FieldView:
        field = self.fields[name]
        widget = field.widget
        value = self[name].value()
        field_id = f"id_{name}"
        errors = [(f"{field_id}_{n}_error", m) for n, m in enumerate(self.errors.get(name, []), 1)]
        described = [f"{field_id}_hint"] if field.help_text else []
        choices: list[ChoiceView] = []
        attrs = ""
        if isinstance(widget, forms.Textarea):
            # The character count's message, which its script finds by this id.
            described += [f"{field_id}-info"] if counted else []
        if isinstance(field, forms.ChoiceField):
            chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
            choices = [
                ChoiceView(
                    id=f"{field_id}_{n}",
                    value=str(code),
                    label=str(label),
                    checked=str(code) in chosen,
                )
                for n, (code, label) in enumerate(field.choices, 1)
            ]
            value = None
        else:
            attrs = flatatt(widget.attrs)
            value = None if value in (None, "") else str(value)
        return FieldView(
            name=name,
            id=field_id,
            label=str(field.label),
            hint=str(field.help_text),
            errors=errors,
            describedby=" ".join(described + [error_id for error_id, _ in errors]),
            choices=choices,
            value=value,
            attrs=attrs,
        )


def _template(q: QuestionSpec) -> str:
    if q.kind == "area" and uses_select(q):
        return "surveys/questions/select.html"
    return QUESTION_TEMPLATES[q.kind]


def _as_select(form: PageForm, name: str) -> bool:
    q = next((q for q in form.page.questions if q.code == name), None)
    return bool(q and q.kind == "area" and uses_select(q))


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
        self.helper.disable_csrf = True  # the page's form writes the token
        self.helper.layout = Layout(Field.text("code", label_size=Size.LARGE, label_tag="h1"))
