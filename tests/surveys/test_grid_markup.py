"""A grid question (several statements answered on one scale) is announced whole: each row's
group names the question as well as the row, and so do the error summary and check your
answers, where a row such as "...understand your needs?" means nothing on its own."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from surveys.forms import PageForm
from surveys.spec import ItemSpec, OptionSpec, PageSpec, QuestionSpec
from tests.surveys.test_page_markup import Elements, open_page

pytestmark = pytest.mark.django_db

WHOLE = "How often, if at all, do you think organisations that deliver public services understand your needs?"  # noqa: E501


def text_of(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def legends(html: str) -> list[str]:
    return [text_of(m) for m in re.findall(r"<legend[^>]*>(.*?)</legend>", html, re.S)]


def test_each_row_of_a_grid_is_announced_with_its_question(client, survey):
    url = open_page(client, survey, 3)  # Q4: "How often ... public services..."
    page = client.get(url).content.decode()

    rows = legends(page)
    assert rows[0] == (
        "How often, if at all, do you think organisations that deliver public services... "
        "...understand your needs?"
    )
    assert all(row.startswith("How often, if at all,") for row in rows)
    # The question stays visible as the heading above the rows, the rows as they are.
    assert '<h2 class="govuk-heading-m">How often, if at all' in page
    assert '<span class="govuk-visually-hidden">How often, if at all' in page


def test_the_error_summary_names_the_whole_question_of_a_grid_row(client, survey):
    url = open_page(client, survey, 3)
    reply = client.post(url, {"action": "continue"})

    assert reply.status_code == 400
    summary = reply.content.decode().split("govuk-error-summary__list")[1]
    summary = summary.split("</ul>")[0]
    assert f"Select an answer for ‘{WHOLE}’" in text_of(summary)
    assert "‘...understand" not in text_of(summary)


def test_check_your_answers_names_the_whole_question_of_a_grid_row(client, survey):
    open_page(client, survey, 3, draft={"Q4": {"needs": "always"}})
    page = client.get(reverse("surveys:review", args=[survey.slug])).content.decode()

    keys = [text_of(k) for k in re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>', page)]
    assert WHOLE in keys
    assert not any(k.startswith("...") for k in keys)
    # A row that is a statement of its own is shown as it is.
    assert "Keeping your living expenses manageable" in keys


def test_a_grid_hint_has_an_id_that_describes_every_row():
    option = OptionSpec(id=1, code="yes", label="Yes", exclusive=False)
    q = QuestionSpec(
        id=1,
        code="G",
        kind="grid",
        text="Do you agree?",
        hint="Think of the last year.",
        required=True,
        min_choices=None,
        max_choices=None,
        min_value=None,
        max_value=None,
        max_length=None,
        options=(option,),
        items=(
            ItemSpec(id=1, code="a", text="Statement A", split_arm=""),
            ItemSpec(id=2, code="b", text="Statement B", split_arm=""),
        ),
    )
    form = PageForm(
        page=PageSpec(position=1, title="T", intro="", questions=(q,)), arm="A", draft={}
    )

    page = Elements(
        render_to_string("surveys/questions/grid.html", {"question": form.questions()[0]})
    )

    hints = page.with_class("govuk-hint")
    assert [h.get("id") for h in hints] == ["id_G_hint"]
    fieldsets = [a for t, a in page.tags if t == "fieldset"]
    assert len(fieldsets) == 2
    assert all(f["aria-describedby"].split() == ["id_G_hint"] for f in fieldsets)
