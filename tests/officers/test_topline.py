"""The topline: every option of every question has a local figure on the report page,
national columns only where the report published that option on its own."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from results.topline import survey_topline
from surveys.models import Option, Question, Survey
from surveys.tenancy import Membership


def test_demo_report_shows_every_option_of_every_question_with_a_local_figure(client, db):
    call_command("demo_setup", responses=120, stdout=io.StringIO())
    survey = Survey.objects.get(slug="demo-2014")
    officer = get_user_model().objects.create_user("reader", password="not-a-real-password-4")
    Membership.objects.create(user=officer, council=survey.council, role=Membership.Role.OFFICER)
    client.force_login(officer)
    content = client.get(reverse("officers:report", args=[survey.slug])).content.decode()

    checked = 0
    questions = Question.objects.filter(
        questionnaire=survey.questionnaire,
        is_demographic=False,
        kind__in=["single", "grid", "multi"],
    )
    for q in questions:
        items = [i.code for i in q.items.all()] if q.kind == "grid" else [""]
        for item in items:
            for option in Option.objects.filter(question=q):
                marker = f'data-topline="{q.code}|{item}|{option.code}"'
                assert marker in content, marker
                row = content.split(marker, 1)[1].split("</tr>", 1)[0]
                assert "data-local>" in row, (q.code, item, option.code)
                assert option.label.replace("'", "&#x27;") in row or option.label in row
                checked += 1
    assert checked > 50
    assert content.count('data-topline="Q7|') == 13


def test_size_order_puts_the_most_chosen_option_first(seeded):
    topline = {q.code: q for q in survey_topline(survey=seeded, weighted=False, order="size")}
    multi = [q for q in topline.values() if q.multiple]
    assert multi
    for q in multi:
        shares = [r.percent for r in q.items[0].rows]
        assert shares == sorted(shares, reverse=True)


def test_a_figure_in_both_tables_has_one_interval(db):
    """Weighted, the comparison allows for the raking design; the topline takes the same
    interval for the same figure, so the page never gives one figure two intervals."""
    from officers.report import report_build
    from results.selectors import ResponseFilters

    call_command("demo_setup", responses=120, stdout=io.StringIO())
    survey = Survey.objects.get(slug="demo-2014")
    from results.services import survey_reweight

    assert survey_reweight(survey_id=survey.pk).status == "ok"
    report = report_build(survey=survey, filters=ResponseFilters(), weighted=True)
    assert report.comparison.weighted

    shown = {
        (q.code, item.code, row.label): (round(row.ci_low, 6), round(row.ci_high, 6))
        for q in report.topline
        for item in q.items
        for row in item.rows
        if row.ci_low is not None
    }
    labels = {
        (o.question.code, o.code): o.label
        for o in Option.objects.filter(question__questionnaire=survey.questionnaire).select_related(
            "question"
        )
    }
    compared = 0
    from results.models import NationalFigure

    for f in NationalFigure.objects.filter(questionnaire_slug=survey.questionnaire.slug):
        if f.subgroup_question_code or len(f.net_option_codes) != 1:
            continue
        row = next(
            (r for r in report.comparison.rows if (r.question, r.item, r.net, r.subgroup)
             == (f.question_code, f.item_code, f.net_label, f.subgroup_label)), None,
        )  # fmt: skip
        if row is None or row.ci_low is None:
            continue
        label = labels[(f.question_code, f.net_option_codes[0])]
        assert shown[(f.question_code, f.item_code, label)] == (
            round(row.ci_low, 6),
            round(row.ci_high, 6),
        )
        compared += 1
    assert compared >= 5
