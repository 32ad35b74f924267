import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from surveys.models import Survey


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A plain explanation instead of Django's technical page; answers are not lost."""
    return render(request, "403_csrf.html", status=403)


# The dates the statement states; change them when the statement is reviewed or the
# site is re-tested (tests/browser/ re-run the automated checks on every change).
ACCESSIBILITY_STATEMENT_PREPARED = datetime.date(2026, 11, 26)
ACCESSIBILITY_LAST_TESTED = datetime.date(2026, 11, 26)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the structure UK public sector bodies publish."""
    surveys = [
        s
        for s in Survey.objects.filter(status=Survey.Status.LIVE).select_related("council")
        if s.is_open()
    ]
    return render(
        request,
        "accessibility.html",
        {
            "open_surveys": surveys,
            "prepared": ACCESSIBILITY_STATEMENT_PREPARED,
            "last_tested": ACCESSIBILITY_LAST_TESTED,
        },
    )
