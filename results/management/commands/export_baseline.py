"""Print the 2014 national baseline as CSV, one row per published figure."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.core.management.base import BaseCommand

from results.baseline import baseline_data
from results.selectors import baseline_figures
from surveys.tenancy import across_councils

COLUMNS = [
    "question",
    "item",
    "net",
    "percent",
    "base",
    "subgroup",
    "exact",
    "trend_2010",
    "source",
]


class Command(BaseCommand):
    help = "Print every figure of the national baseline as CSV, with the sentence it comes from."

    def add_arguments(self, parser):
        parser.add_argument(
            "--questionnaire",
            default=baseline_data()["questionnaire"],
            help="Questionnaire slug (default: the shipped 2014 questionnaire).",
        )

    @across_councils
    def handle(self, *args, questionnaire: str, **options) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for f in baseline_figures(questionnaire_slug=questionnaire):
            writer.writerow(
                [
                    f.question_code,
                    f.item_code,
                    f.net_label,
                    _number(f.percent),
                    "" if f.base is None else f.base,
                    f.subgroup_label,
                    "yes" if f.exact else "no",
                    "" if f.trend_2010 is None else _number(f.trend_2010),
                    f.source,
                ]
            )


def _number(value: Decimal) -> str:
    # 40.0 prints as 40 and 14.3 as 14.3: the report's own precision, no trailing zeros.
    return f"{value.normalize():f}"
