"""The resident's side of the co-production panel: joining after sending answers, and
withdrawing with the code shown on joining. Rules live in surveys.panel."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from surveys import panel
from surveys.errors import CodeRejected, SurveyError
from surveys.tenancy import public_survey_scope, resident_code_scope
from surveys.views import _current, _survey

JOINED_SESSION_KEY = "collab_panel_joined"


class TelInput(forms.TextInput):
    input_type = "tel"


class PanelForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200, required=False)
    email = forms.EmailField(
        label="E-mail address",
        required=False,
        error_messages={"invalid": "Enter an e-mail address like name@example.com"},
    )
    phone = forms.CharField(
        # type="tel" once: a TextInput given type in its attrs writes two type attributes,
        # and browsers keep the first ("text"), so phones never showed the number pad.
        widget=TelInput,
        label="Phone number",
        max_length=40,
        required=False,
        help_text="Give an e-mail address, a phone number, or both.",
    )
    topics = forms.MultipleChoiceField(
        label="Which topics do you care about?",
        help_text="Select all that apply.",
        choices=panel.TOPICS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select only the topics listed"},
    )
    other_topics = forms.CharField(
        label="Anything else you would like to help with? (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label="I agree that the council may keep these details and contact me about "
        "working with it on its services",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form writes the token
        self.helper.layout = Layout(
            Field.text("name", label_size=Size.SMALL),
            Field.text("email", label_size=Size.SMALL),
            Field.text("phone", label_size=Size.SMALL, field_width=20),
            Field.checkboxes("topics", legend_size=Size.SMALL, small=True),
            Field.textarea("other_topics", label_size=Size.SMALL),
            Field.checkbox("consent"),
        )


class WithdrawForm(forms.Form):
    code = forms.CharField(
        label="Enter your withdrawal code",
        help_text="The code you were shown when you joined the panel, like ABCD-EFGH-JKMN.",
        max_length=40,
        error_messages={"required": "Enter your withdrawal code"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form writes the token
        self.helper.layout = Layout(Field.text("code", label_size=Size.LARGE, label_tag="h1"))


def _error_links(form: forms.Form) -> list[tuple[str, str]]:
    links = []
    for name, field in form.fields.items():
        for message in form.errors.get(name, []):
            multiple = isinstance(field.widget, forms.CheckboxSelectMultiple)
            links.append((f"id_{name}_1" if multiple else f"id_{name}", message))
    links += [("main-content", m) for m in form.non_field_errors()]
    return links


@require_http_methods(["GET", "POST"])
@public_survey_scope
def panel_join(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(slug)
    response = _current(request, survey)
    if not panel.panel_offer_for(response):
        return redirect("surveys:landing", slug=slug)
    if slug in request.session.get(JOINED_SESSION_KEY, []):
        return render(request, "surveys/panel_joined.html", {"survey": survey, "code": None})
    form = PanelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            code = panel.panel_join(
                survey=survey,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                topics=data["topics"],
                other_topics=data["other_topics"],
                consent=data["consent"],
            )
        except SurveyError as error:
            message = str(error)
            field = "consent" if "Tick" in message else "name" if "name" in message else "email"
            form.add_error(field, message)
        else:
            request.session[JOINED_SESSION_KEY] = [
                *request.session.get(JOINED_SESSION_KEY, []),
                slug,
            ]
            return render(request, "surveys/panel_joined.html", {"survey": survey, "code": code})
    return render(
        request,
        "surveys/panel_join.html",
        {"survey": survey, "form": form, "error_links": _error_links(form)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@resident_code_scope
def panel_withdraw(request: HttpRequest) -> HttpResponse:
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = panel.panel_withdraw(code=form.cleaned_data["code"])
        except CodeRejected as error:
            form.add_error("code", str(error))
        else:
            return render(request, "surveys/panel_withdrawn.html", {"council": survey.council})
    return render(
        request,
        "surveys/panel_withdraw.html",
        {"form": form, "error_links": _error_links(form)},
        status=400 if form.errors else 200,
    )
