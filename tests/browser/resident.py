"""What a resident does in the browser, as small steps the journeys share.

Answers come from tests/surveys/conftest.py (ANSWERS_A / ANSWERS_B, by split-sample arm),
so the browser journeys store exactly what the test-client journeys store.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from surveys import services
from surveys.models import Answer, Response, Survey
from tests.surveys.conftest import answers_for

# Enough Tab presses for the longest page (check your answers has a Change link per row).
MAX_TABS = 250


def codes_by_page(survey: Survey) -> list[list[str]]:
    """Question codes of each page, in order (index 0 is page 1)."""
    return [[q.code for q in page.questions] for page in services.spec_for(survey).pages]


def latest_response(survey: Survey) -> Response:
    return Response.objects.filter(survey=survey).latest("started_at")


def submit(page: Page, button: Locator, *, how: str = "click") -> None:
    """Press a form button and wait for the next page to load."""
    with page.expect_navigation():
        if how == "tap":
            button.tap()
        else:
            button.click()


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def start(page: Page, survey: Survey, *, how: str = "click") -> Response:
    page.goto(f"/s/{survey.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(survey.title)
    submit(page, button(page, "Start now"), how=how)
    expect(page.locator(".govuk-caption-l")).to_have_text("Part 1 of 8")
    return latest_response(survey)


def _choice(page: Page, name: str, value: str) -> Locator:
    return page.locator(f'input[name="{name}"][value="{value}"]')


def _choose(page: Page, name: str, value: str, how: str) -> None:
    choice = _choice(page, name, value)
    if how == "tap":
        choice.tap()
    else:
        choice.check()
    expect(choice).to_be_checked()


def answer_page(page: Page, codes: list[str], answers: dict[str, Any], *, how: str) -> None:
    """Give this page's answers by clicking (desktop) or tapping (phone)."""
    for code in codes:
        value = answers.get(code)
        if value is None:
            continue
        if isinstance(value, dict):
            for item, option in value.items():
                _choose(page, f"{code}__{item}", option, how)
        elif isinstance(value, list):
            for option in value:
                _choose(page, code, option, how)
        elif isinstance(value, int) or page.locator(f'textarea[name="{code}"]').count():
            field = page.locator(f'[name="{code}"]')
            if how == "tap":
                field.tap()
            field.fill(str(value))
        elif page.locator(f'select[name="{code}"]').count():
            page.locator(f'select[name="{code}"]').select_option(value)
        else:
            _choose(page, code, value, how)


def complete_questionnaire(page: Page, survey: Survey, *, how: str, from_page: int = 1) -> None:
    """Answer from_page to the last page, check the answers, send them."""
    response = latest_response(survey)
    answers = answers_for(response.split_arm)
    pages = codes_by_page(survey)
    for number in range(from_page, len(pages) + 1):
        expect(page.locator(".govuk-caption-l")).to_have_text(f"Part {number} of {len(pages)}")
        answer_page(page, pages[number - 1], answers, how=how)
        submit(page, button(page, "Continue"), how=how)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending them"
    )
    submit(page, button(page, "Send my answers"), how=how)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your answers have been sent"
    )


def stored_rows(response: Response) -> set[tuple]:
    return {
        (
            a.question.code,
            a.item.code if a.item else "",
            a.option.code if a.option else "",
            a.text_value,
            a.number_value,
        )
        for a in Answer.objects.filter(response=response).select_related(
            "question", "item", "option"
        )
    }


def expected_rows(answers: dict[str, Any]) -> set[tuple]:
    """The Answer rows the write path keeps for these answers (area and text as text)."""
    rows = set()
    for code, value in answers.items():
        if code in ("AREA", "COMMENTS"):
            rows.add((code, "", "", value, None))
        elif code == "HOUSEHOLD":
            rows.add((code, "", "", "", value))
        elif isinstance(value, dict):
            rows |= {(code, item, option, "", None) for item, option in value.items()}
        elif isinstance(value, list):
            rows |= {(code, "", option, "", None) for option in value}
        else:
            rows.add((code, "", value, "", None))
    return rows


def assert_stored_complete(survey: Survey) -> Response:
    """Exactly one response, complete, whose Answer rows are the answers given."""
    responses = list(Response.objects.filter(survey=survey))
    assert len(responses) == 1, f"expected one response, found {len(responses)}"
    response = responses[0]
    assert response.is_complete, f"response status is {response.status!r}"
    assert stored_rows(response) == expected_rows(answers_for(response.split_arm))
    return response
