"""What the resident's pages show of the council's published findings: a link to its "what
you told us" page from the survey's start, closed and thank-you pages, once it is published.

The survey pages belong to ``surveys``, which knows nothing of findings; this processor adds
the link to their context from here, so the dependencies still point one way."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from officers.models import FindingsPage

# The resident's pages that carry the link: the start page (or its closed notice) and the
# thank-you page. Question pages do not: a resident answering is not sent away.
LINKED_PAGES = {"surveys:landing", "surveys:thanks"}


def findings_link(request: HttpRequest) -> dict[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in LINKED_PAGES:
        return {}
    slug = match.kwargs.get("slug")
    published = FindingsPage.objects.filter(survey__slug=slug, published_at__isnull=False)
    if not slug or not published.exists():
        return {}
    return {"findings_url": reverse("findings", args=[slug])}
