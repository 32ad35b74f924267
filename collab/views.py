from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from collab import accessibility
from surveys.models import Survey
from surveys.tenancy import all_councils


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A plain explanation instead of Django's technical page; answers are not lost."""
    return render(request, "403_csrf.html", status=403)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the structure UK public sector bodies publish."""
    with all_councils():  # the statement names the contact of every council's open survey
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
            "prepared": accessibility.STATEMENT_PREPARED,
            "last_tested": accessibility.LAST_TESTED,
        },
    )


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers ask for whatever the page says: an icon, not a 404."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
