"""The questionnaire pages' GOV.UK markup: what a screen reader and the error summary rely on.

The page forms are drawn by templates/surveys/questions/, one small template per kind of
question; these tests read the HTML a resident gets and check the links between its parts.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from surveys import services
from surveys.forms import PageForm
from surveys.models import Area, Response
from surveys.spec import OptionSpec, PageSpec, QuestionSpec
from tests.surveys.conftest import answers_for, post_data

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes), and the text of each element by id."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def by_id(self) -> dict[str, tuple[str, dict[str, str]]]:
        return {attrs["id"]: (tag, attrs) for tag, attrs in self.tags if "id" in attrs}

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if name in a.get("class", "").split()]

    def described(self) -> set[str]:
        return {i for _, a in self.tags for i in a.get("aria-describedby", "").split()}

    def inputs(self, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == "input" and a.get("name") == name]


def open_page(client, survey, number: int, *, arm: str = "A", draft=None) -> str:
    """The URL of page `number` for a resident of this half who has reached every page."""
    client.post(reverse("surveys:start", args=[survey.slug]))
    response = Response.objects.latest("pk")
    response.split_arm = arm
    response.furthest_page = services.spec_for(survey).page_count + 1
    response.draft = draft or {}
    response.save()
    return reverse("surveys:page", args=[survey.slug, number])


@pytest.mark.parametrize("number", range(1, 9))
def test_every_error_is_linked_from_the_summary_and_described_by_its_question(
    client, survey, number
):
    url = open_page(client, survey, number)
    spec = services.spec_for(survey)
    bad = {
        "single": "not-an-option",
        "area": "not-an-option",
        "number": "three",
        "text": "x" * 5000,
        "multi": ["none", "whole_community"],
    }
    data = {"action": "continue"}
    for q in spec.page(number).questions:
        if q.kind == "grid":
            continue  # every row left unanswered: a required error on each
        data.update(post_data({q.code: bad[q.kind]}, [q.code]))

    reply = client.post(url, data)

    assert reply.status_code == 400
    page = Elements(reply.content.decode())
    ids = page.by_id()
    messages = [a["id"] for a in page.with_class("govuk-error-message")]
    assert messages, "no error message on the page"
    summary_links = [
        a["href"][1:] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#id_")
    ]
    assert summary_links, "no error summary links"
    for anchor in summary_links:
        assert anchor in ids, f"the error summary links to #{anchor}, which is not on the page"
        assert ids[anchor][0] in ("input", "select", "textarea")
    for message_id in messages:
        assert message_id in page.described(), f"{message_id} is described by no question"
    groups_in_error = page.with_class("govuk-form-group--error")
    assert len(groups_in_error) >= len(summary_links) / 2


def test_a_good_answer_stays_checked_beside_a_bad_one(client, survey):
    url = open_page(client, survey, 1)
    reply = client.post(url, {"action": "continue", "Q1": ["taxes"], "Q2": "not-an-option"})

    assert reply.status_code == 400
    page = Elements(reply.content.decode())
    assert [a["value"] for a in page.inputs("Q1") if "checked" in a] == ["taxes"]
    assert not [a for a in page.inputs("Q2") if "checked" in a]
    assert "id_Q2_1_error" in page.by_id()
    q2_fieldset = [
        a
        for t, a in page.tags
        if t == "fieldset" and "id_Q2_1_error" in a.get("aria-describedby", "")
    ]
    assert q2_fieldset, "Q2's error is not read with its question"


def test_a_rejected_exclusive_choice_keeps_both_boxes_ticked_and_says_why(client, survey):
    url = open_page(client, survey, 1)
    reply = client.post(
        url, {"action": "continue", "Q1": ["none", "whole_community"], "Q2": "equality_opportunity"}
    )

    assert reply.status_code == 400
    html = reply.content.decode()
    page = Elements(html)
    assert sorted(a["value"] for a in page.inputs("Q1") if "checked" in a) == [
        "none",
        "whole_community",
    ]
    assert [a["value"] for a in page.inputs("Q2") if "checked" in a] == ["equality_opportunity"]
    assert '<span class="govuk-visually-hidden">Error:</span> Select ‘None of these’' in html


@pytest.mark.parametrize("arm", ["A", "B"])
def test_stored_answers_are_shown_when_a_resident_comes_back(client, survey, arm):
    answers = answers_for(arm)
    spec = services.spec_for(survey)
    url = open_page(client, survey, 1, arm=arm, draft=answers)
    for page_spec in spec.pages:
        url = reverse("surveys:page", args=[survey.slug, page_spec.position])
        html = client.get(url).content.decode()
        page = Elements(html)
        for q in page_spec.questions:
            value = answers[q.code]
            if q.kind == "grid":
                for item, option in value.items():
                    checked = [
                        a["value"] for a in page.inputs(f"{q.code}__{item}") if "checked" in a
                    ]
                    assert checked == [option]
            elif q.kind == "multi":
                assert sorted(a["value"] for a in page.inputs(q.code) if "checked" in a) == sorted(
                    value
                )
            elif q.kind in ("single", "area"):
                assert [a["value"] for a in page.inputs(q.code) if "checked" in a] == [value]
            elif q.kind == "number":
                assert page.inputs(q.code)[0]["value"] == str(value)
            else:
                assert f">\n{value}</textarea>" in html


def test_hints_are_read_with_their_questions_and_the_character_count_has_its_message(
    client, survey
):
    url = open_page(client, survey, 8)
    page = Elements(client.get(url).content.decode())

    textarea = next(a for t, a in page.tags if t == "textarea")
    assert textarea["aria-describedby"].split() == ["id_COMMENTS_hint", "id_COMMENTS-info"]
    assert {"id_COMMENTS_hint", "id_COMMENTS-info"} <= set(page.by_id())
    count = page.with_class("govuk-character-count")[0]
    assert count["data-module"] == "govuk-character-count"
    assert count["data-maxlength"] == "2000"


def test_a_long_list_of_areas_is_a_select_linked_from_the_error_summary(client, survey):
    for n in range(12):
        Area.objects.create(
            council=survey.council, code=f"d{n}", name=f"District {n}", position=9 + n
        )
    url = open_page(client, survey, 7)
    data = {"action": "continue", **post_data(answers_for("A"), ["AGE", "SEX"])}

    reply = client.post(url, data)

    page = Elements(reply.content.decode())
    select = page.by_id()["id_AREA"]
    assert select[0] == "select"
    assert "govuk-select--error" in select[1]["class"]
    assert "id_AREA_1_error" in select[1]["aria-describedby"].split()
    assert ("a", {"href": "#id_AREA"}) in page.tags


def test_number_input_keeps_what_was_typed_and_asks_for_digits(client, survey):
    url = open_page(client, survey, 7)
    data = {"action": "continue", **post_data(answers_for("A"), ["AGE", "SEX", "AREA"])}
    data["HOUSEHOLD"] = "four"

    page = Elements(client.post(url, data).content.decode())

    field = page.inputs("HOUSEHOLD")[0]
    assert field["value"] == "four"
    assert field["inputmode"] == "numeric"
    assert field["aria-invalid"] == "true"
    assert "govuk-input--width-4" in field["class"] and "govuk-input--error" in field["class"]


def test_question_text_from_the_questionnaire_is_escaped():
    q = QuestionSpec(
        id=1,
        code="Q",
        kind="single",
        text="Is <b>this</b> bold?",
        hint="A hint & <i>more</i>",
        required=True,
        min_choices=None,
        max_choices=None,
        min_value=None,
        max_value=None,
        max_length=None,
        options=(OptionSpec(id=1, code="yes", label="<em>Yes</em>", exclusive=False),),
    )
    form = PageForm(
        page=PageSpec(position=1, title="T", intro="", questions=(q,)), arm="A", draft={}
    )

    html = render_to_string("surveys/questions/radios.html", {"question": form.questions()[0]})

    assert "<b>" not in html and "<i>" not in html and "<em>" not in html
    assert "Is &lt;b&gt;this&lt;/b&gt; bold?" in html
