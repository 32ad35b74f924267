"""Responses to review: the queue of flagged responses, finding one response by its REF or a
resident's code, and voiding or restoring responses with a reason.

For research officers (the ``responses.review`` permission). No personal data is shown: a
response is named by its public id, and its provenance by the browser family and the times,
never a network. The writes are surveys.review's (audited).
"""

from __future__ import annotations

import statistics

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from officers.selectors import survey_for_officer
from surveys import services
from surveys.audit import audit_log
from surveys.codes import code_hash, erasure_hash
from surveys.invitations import invitation_from_reference
from surveys.kinds import KINDS
from surveys.models import Response, ResponseFlag, ResponseSource, Survey
from surveys.review import ReviewRefused, responses_restore, responses_void

PERMISSION = "responses.review"
SHOWN = 500


# ---------------------------------------------------------------------------------------------
# Reads


def review_counts(*, survey: Survey) -> dict:
    """How many responses are flagged, by reason, and how many are voided."""
    by_reason = dict(
        ResponseFlag.objects.filter(survey=survey, response__status=Response.Status.COMPLETE)
        .values_list("reason")
        .annotate(n=Count("response", distinct=True))
        .values_list("reason", "n")
    )
    flagged = (
        Response.objects.filter(survey=survey, status=Response.Status.COMPLETE, flags__isnull=False)
        .distinct()
        .count()
    )
    voided = Response.objects.filter(survey=survey, status=Response.Status.VOIDED).count()
    return {
        "flagged": flagged,
        "voided": voided,
        "by_reason": [
            (reason, label, by_reason.get(reason, 0))
            for reason, label in ResponseFlag.Reason.choices
        ],
    }


def review_rows(*, survey: Survey, reason: str = "", voided: bool = False) -> tuple[list, int]:
    """The flagged (or the voided) responses, newest first, with their reasons."""
    if voided:
        responses = Response.objects.filter(survey=survey, status=Response.Status.VOIDED)
    else:
        responses = Response.objects.filter(
            survey=survey, status=Response.Status.COMPLETE, flags__isnull=False
        )
        if reason:
            responses = responses.filter(flags__reason=reason)
    responses = responses.distinct().order_by("-submitted_at", "-pk")
    total = responses.count()
    shown = list(
        responses.values("pk", "public_id", "mode", "submitted_at", "ref", "void_reason")[:SHOWN]
    )
    labels = dict(ResponseFlag.Reason.choices)
    reasons: dict[int, list[str]] = {}
    for rid, r in ResponseFlag.objects.filter(
        response_id__in=[row["pk"] for row in shown]
    ).values_list("response_id", "reason"):
        reasons.setdefault(rid, []).append(labels[r])
    for row in shown:
        row["reasons"] = sorted(reasons.get(row["pk"], []))
    return shown, total


def response_for_code(*, survey: Survey, query: str) -> Response | None:
    """The response with this REF, or the one a resident's code (a letter's code, or the code
    they noted to continue or to have their answers erased) opens."""
    query = query.strip()[:100]
    if not query:
        return None
    responses = Response.objects.filter(survey=survey).exclude(status=Response.Status.IN_PROGRESS)
    found = responses.filter(ref=query).first()
    if found is not None:
        return found
    digest = code_hash(query)
    found = (
        responses.filter(
            Q(invitation__code_hash=digest)
            | Q(resume_code_hash=digest)
            | Q(erasure_code_hash=erasure_hash(query))
        )
        .exclude(Q(resume_code_hash="") & Q(invitation__isnull=True) & Q(erasure_code_hash=""))
        .first()
    )
    if found is None:
        # The reference printed on the invitee's letter (R000123).
        invitation = invitation_from_reference(survey=survey, reference=query)
        if invitation is not None:
            found = responses.filter(invitation=invitation).first()
    return found


# ---------------------------------------------------------------------------------------------
# Views


def _selected_ids(survey: Survey, request: HttpRequest) -> list[int]:
    wanted = request.POST.getlist("response")
    if request.POST.get("all") == "yes":
        reason = request.POST.get("filter", "")
        rows, _ = review_rows(
            survey=survey, reason=reason, voided=request.POST.get("voided") == "1"
        )
        return [row["pk"] for row in rows]
    try:
        return list(
            Response.objects.filter(survey=survey, public_id__in=wanted[:SHOWN]).values_list(
                "pk", flat=True
            )
        )
    except Exception:  # a malformed id: nothing selected
        return []


@login_required
@require_http_methods(["GET", "POST"])
def review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    reason = request.GET.get("reason", "")
    if reason not in ResponseFlag.Reason.values:
        reason = ""
    voided = request.GET.get("voided") == "1"
    error = ""
    if request.method == "POST":
        ids = _selected_ids(survey, request)
        action = request.POST.get("action")
        try:
            if not ids:
                raise ReviewRefused("Choose at least one response.")
            if action == "restore":
                count = responses_restore(
                    survey=survey,
                    response_ids=ids,
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                )
                messages.success(request, f"{count} responses restored: they are counted again.")
            else:
                count = responses_void(
                    survey=survey,
                    response_ids=ids,
                    reason=request.POST.get("reason", ""),
                    actor=request.user,
                )
                messages.success(request, f"{count} responses voided: they are no longer counted.")
        except ReviewRefused as e:
            error = str(e)
        else:
            return redirect(request.get_full_path())
    rows, total = review_rows(survey=survey, reason=reason, voided=voided)
    return render(
        request,
        "officers/review.html",
        {
            "survey": survey,
            "section": "review",
            "counts": review_counts(survey=survey),
            "rows": rows,
            "total": total,
            "shown": SHOWN,
            "reason": reason,
            "voided": voided,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def response_find(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    query = request.GET.get("q", "")
    error = ""
    if query:
        found = response_for_code(survey=survey, query=query)
        if found is not None:
            return redirect("officers:response_detail", slug=slug, public_id=found.public_id)
        error = "No sent response of this survey has that REF or code. Check it and try again."
    return render(
        request,
        "officers/review_find.html",
        {"survey": survey, "section": "review", "error": error},
        status=404 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_detail(request: HttpRequest, slug: str, public_id) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    response = (
        Response.objects.filter(survey=survey, public_id=public_id)
        .exclude(status=Response.Status.IN_PROGRESS)
        .first()
    )
    if response is None:
        raise Http404("There is no sent response with that id in this survey.")
    error = ""
    if request.method == "POST":
        write = responses_restore if request.POST.get("action") == "restore" else responses_void
        try:
            write(
                survey=survey,
                response_ids=[response.pk],
                reason=request.POST.get("reason", ""),
                actor=request.user,
            )
        except ReviewRefused as e:
            error = str(e)
        else:
            return redirect(reverse("officers:response_detail", args=[slug, public_id]))
    else:
        # One response's answers, its comments among them: response-level data, audited.
        audit_log(
            actor=request.user,
            action="response.read",
            survey=survey,
            response=str(response.public_id),
        )
    spec = services.spec_for(survey)
    answers = [
        (prompt, answer)
        for q in spec.questions.values()
        for prompt, answer in KINDS[q.kind].display(
            q, response.split_arm, response.draft.get(q.code)
        )
    ]
    source = ResponseSource.objects.filter(response=response).first()
    times = [float(s) for s in source.page_seconds.values()] if source else []
    return render(
        request,
        "officers/review_response.html",
        {
            "survey": survey,
            "section": "review",
            "response": response,
            "reasons": [f.get_reason_display() for f in response.flags.all()],
            "source": source,
            "median_page_seconds": round(statistics.median(times), 1) if times else None,
            "answers": answers,
            "error": error,
        },
        status=400 if error else 200,
    )
