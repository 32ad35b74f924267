"""The resident's journey: landing, pages, review, thank-you; and code entry.

Views only route: every rule lives in services (writes), forms and kinds (validation).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.ratelimit import too_many
from surveys import challenge, integrity, services
from surveys.errors import CodeRejected, ResponseInvalid, SurveyUnavailable
from surveys.forms import CodeForm, PageForm
from surveys.kinds import KINDS
from surveys.models import Response, Survey
from surveys.spec import SurveySpec
from surveys.tenancy import all_councils, public_survey_scope, resident_code_scope

SESSION_KEY = "collab_responses"


def _remember(request: HttpRequest, response: Response) -> None:
    responses = dict(request.session.get(SESSION_KEY, {}))
    responses[response.survey.slug] = response.pk
    request.session[SESSION_KEY] = responses


def _current(request: HttpRequest, survey: Survey) -> Response | None:
    response_id = request.session.get(SESSION_KEY, {}).get(survey.slug)
    if response_id is None:
        return None
    return Response.objects.filter(pk=response_id, survey=survey).first()


def _unavailable(request: HttpRequest, survey: Survey, message: str) -> HttpResponse:
    return render(
        request, "surveys/unavailable.html", {"survey": survey, "message": message}, status=403
    )


def _limited(request: HttpRequest) -> HttpResponse:
    return too_many(
        request,
        title="Please try again later",
        message=f"{integrity.LIMIT_MESSAGE}. Any answers you have given are kept.",
        seconds=integrity.LIMIT_WINDOW,
    )


def _survey(slug: str) -> Survey:
    return get_object_or_404(Survey.objects.select_related("council", "questionnaire"), slug=slug)


def _survey_and_current(request: HttpRequest, slug: str) -> tuple[Survey, Response | None]:
    """The survey and this browser's response to it, in one query while a resident is
    answering (every page they open); the survey alone otherwise."""
    response_id = request.session.get(SESSION_KEY, {}).get(slug)
    if response_id is not None:
        response = (
            Response.objects.select_related("survey__council", "survey__questionnaire")
            .filter(pk=response_id, survey__slug=slug)
            .first()
        )
        if response is not None:
            return response.survey, response
    return _survey(slug), None


@public_survey_scope
def survey_landing(request: HttpRequest, slug: str) -> HttpResponse:
    survey, response = _survey_and_current(request, slug)
    availability = survey.availability()
    if availability != "open":
        return render(
            request,
            "surveys/unavailable.html",
            {"survey": survey, "message": services.UNAVAILABLE_MESSAGES[availability]},
        )
    return render(
        request,
        "surveys/landing.html",
        {
            "survey": survey,
            "in_progress": response if response and not response.is_complete else None,
            "page_count": services.spec_for(survey).page_count,
            "wait_seconds_text": challenge.wait_text(),
            "challenge_seconds": challenge.expires_seconds(),
        },
    )


@require_GET
@never_cache
@public_survey_scope
def survey_challenge(request: HttpRequest, slug: str) -> HttpResponse:
    """A new start challenge for the Start page's script (surveys/challenge.py)."""
    survey = _survey(slug)
    if not (survey.is_open() and survey.public_link and challenge.applies(survey)):
        raise Http404("This survey does not ask for a start challenge.")
    return JsonResponse(challenge.issue(survey=survey))


def _start_challenge_refused(request: HttpRequest, survey: Survey) -> HttpResponse | None:
    """None when this Start may go ahead; else the page asking the resident to wait."""
    if not challenge.applies(survey):
        return None
    if challenge.verify(survey=survey, payload=request.POST.get(challenge.FIELD, "")).ok:
        return None
    token = request.POST.get(challenge.WAIT_FIELD, "")
    verdict = challenge.check_wait(survey=survey, token=token)
    if verdict.ok:
        return None
    if verdict.reason != "too young":
        # A first visit, or a ticket that is stale or used: the wait starts now.
        token = challenge.wait_token(survey=survey)
    return render(
        request,
        "surveys/start_wait.html",
        {
            "survey": survey,
            "wait_token": token,
            "wait_seconds_text": challenge.wait_text(),
            "start_label": "Start",
        },
    )


@require_POST
@public_survey_scope
def survey_start(request: HttpRequest, slug: str) -> HttpResponse:
    survey, response = _survey_and_current(request, slug)
    if not survey.is_open():
        return _unavailable(request, survey, services.UNAVAILABLE_MESSAGES[survey.availability()])
    if response and not response.is_complete:
        # A double click on "Start now" carries on with the response already begun.
        return redirect("surveys:page", slug=slug, number=response.furthest_page)
    if (
        response
        and response.submitted_at
        and response.submitted_at > timezone.now() - (integrity.JUST_SUBMITTED)
    ):
        # This browser has just sent its answers: its thank-you page, not a second response.
        return redirect("surveys:thanks", slug=slug)
    if integrity.client_over_limit(survey=survey, request=request, what="start"):
        return _limited(request)
    refused = _start_challenge_refused(request, survey)
    if refused is not None:
        return refused
    try:
        response = services.response_start(survey=survey, client=integrity.client_of(request))
    except SurveyUnavailable as e:
        return _unavailable(request, survey, str(e))
    integrity.client_count(survey=survey, request=request, what="start")
    _remember(request, response)
    return redirect("surveys:page", slug=slug, number=1)


@require_http_methods(["GET", "POST"])
@resident_code_scope
def code_enter(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.code_open(
                code=form.cleaned_data["code"], client=integrity.client_of(request)
            )
        except (CodeRejected, SurveyUnavailable) as e:
            form.add_error("code", str(e))
        else:
            _remember(request, response)
            slug, number = response.survey.slug, response.furthest_page
            if number == 1 and not response.draft:
                # Someone starting with a code reads how their answers are used first.
                return redirect(f"{reverse('surveys:landing', args=[slug])}#privacy")
            return redirect("surveys:page", slug=slug, number=number)
    return render(request, "surveys/code.html", {"form": form}, status=400 if form.errors else 200)


def _response_or_redirect(request: HttpRequest, survey: Survey, response: Response | None):
    if response is None:
        return None, redirect("surveys:landing", slug=survey.slug)
    if response.is_complete:
        return None, redirect("surveys:thanks", slug=survey.slug)
    if not survey.is_open() and response.mode == Response.Mode.ONLINE:
        return None, _unavailable(
            request, survey, services.UNAVAILABLE_MESSAGES[survey.availability()]
        )
    return response, None


@require_http_methods(["GET", "POST"])
@public_survey_scope
def survey_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    survey, response = _survey_and_current(request, slug)
    response, early = _response_or_redirect(request, survey, response)
    if early:
        return early
    spec = services.spec_for(survey)
    page = spec.page(number)
    if page is None:
        raise Http404("There is no such page in this survey.")
    if number > response.furthest_page:
        return redirect("surveys:page", slug=slug, number=response.furthest_page)
    returning = request.GET.get("return") == "review" or request.POST.get("return") == "review"

    if request.method == "POST":
        form = PageForm(request.POST, page=page, arm=response.split_arm, draft=response.draft)
        action = request.POST.get("action", "continue")
        if action == "previous":
            form.is_valid()
            services.response_save_page(response=response, values=form.values(valid_only=True))
            if number == 1:
                return redirect("surveys:landing", slug=slug)
            return redirect("surveys:page", slug=slug, number=number - 1)
        if action == "save":
            form.is_valid()
            services.response_save_page(response=response, values=form.values(valid_only=True))
            code = services.response_save_for_later(response=response)
            return render(request, "surveys/saved.html", {"survey": survey, "code": code})
        if form.is_valid():
            services.response_save_page(
                response=response, values=form.values(), reached_page=number + 1
            )
            if returning or number == spec.page_count:
                return redirect("surveys:review", slug=slug)
            return redirect("surveys:page", slug=slug, number=number + 1)
        status = 400
    else:
        form = PageForm(page=page, arm=response.split_arm, draft=response.draft)
        status = 200
    return render(
        request,
        "surveys/page.html",
        {
            "survey": survey,
            "page": page,
            "form": form,
            "number": number,
            "page_count": spec.page_count,
            "returning": returning,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@public_survey_scope
def survey_review(request: HttpRequest, slug: str) -> HttpResponse:
    survey, response = _survey_and_current(request, slug)
    response, early = _response_or_redirect(request, survey, response)
    if early:
        return early
    spec = services.spec_for(survey)
    if response.furthest_page <= spec.page_count:
        return redirect("surveys:page", slug=slug, number=response.furthest_page)
    errors: dict = {}
    if request.method == "POST":
        public = response.invitation_id is None and response.mode == Response.Mode.ONLINE
        if public and integrity.client_over_limit(survey=survey, request=request, what="submit"):
            # The answers stay saved in the draft: the resident can send them later.
            return _limited(request)
        try:
            services.response_submit(response_id=response.pk)
        except ResponseInvalid as e:
            errors = e.errors
        except SurveyUnavailable as e:
            return _unavailable(request, survey, str(e))
        else:
            if public:
                integrity.client_count(survey=survey, request=request, what="submit")
            return redirect("surveys:thanks", slug=slug)
    context = check_answers_context(
        spec=spec,
        response=response,
        errors=errors,
        page_url=lambda n: reverse("surveys:page", args=[slug, n]) + "?return=review",
    )
    return render(
        request,
        "surveys/review.html",
        {"survey": survey, **context},
        status=400 if errors else 200,
    )


def check_answers_context(
    *,
    spec: SurveySpec,
    response: Response,
    errors: dict[str, list[tuple[str, str]]],
    page_url: Callable[[int], str],
) -> dict:
    """“Check your answers”: every page's answers as the kinds display them, each page with
    its change link, and the problems of a refused submission linked to their pages.

    Shared by the resident's review and an officer's paper entry; page_url(n) is the link to
    change page n and come back here.
    """
    sections = [
        {
            "page": page,
            "change_url": page_url(page.position),
            "rows": [
                {
                    "question": q.code,
                    "prompt": prompt,
                    "answer": answer,
                    "errors": [message for _, message in errors.get(q.code, [])],
                }
                for q in page.questions
                for prompt, answer in KINDS[q.kind].display(
                    q, response.split_arm, response.draft.get(q.code)
                )
            ],
        }
        for page in spec.pages
    ]
    error_links = [
        (page_url(_page_of(spec, code)), message)
        for code, messages in errors.items()
        if code in spec.questions
        for _, message in messages
    ]
    return {"sections": sections, "error_links": error_links}


def _page_of(spec, code: str) -> int:
    return next(p.position for p in spec.pages if any(q.code == code for q in p.questions))


@require_http_methods(["GET", "POST"])
@public_survey_scope
def survey_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey, response = _survey_and_current(request, slug)
    if response is None or not response.is_complete:
        return redirect("surveys:landing", slug=slug)
    from surveys.panel import panel_offer_for

    # A resident who answered by the public link has no letter code: on request they get a
    # code, shown once, that lets them have their answers erased later.
    erasure_code = (
        services.response_save_for_later(response=response) if request.method == "POST" else None
    )
    return render(
        request,
        "surveys/thanks.html",
        {
            "survey": survey,
            "response": response,
            "panel_offer": panel_offer_for(response),
            "erasure_code": erasure_code,
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    """Open surveys with a public link, for residents who arrive at the front door."""
    with all_councils():  # the front door lists every council's open public surveys
        surveys = [
            s
            for s in Survey.objects.filter(
                status=Survey.Status.LIVE, public_link=True
            ).select_related("council")
            if s.is_open()
        ]
    return render(request, "surveys/home.html", {"surveys": surveys})
