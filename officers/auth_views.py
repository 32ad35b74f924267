"""Sign in, two-factor verification and set-up. The work is in officers/two_factor.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from officers import two_factor
from officers.forms import SignInForm
from officers.sessions import signed_out_message

RECOVERY_CODES_SESSION_KEY = "collab_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        error_messages={"required": "Enter the code"},
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class SignInView(auth_views.LoginView):
    """The password step. Someone who must also give a code goes on to it (or to set it up)."""

    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signed_out_message"] = signed_out_message(self.request)
        return context

    def get_success_url(self) -> str:
        user = self.request.user
        if two_factor.must_verify(self.request):
            return two_factor.next_step_url(user, self.get_redirect_url())
        return super().get_success_url()


def _codes_shown_once(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    request.session[RECOVERY_CODES_SESSION_KEY] = codes
    url = reverse("two_factor_recovery_codes")
    return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if not two_factor.has_two_factor(user):
        return redirect(two_factor.next_step_url(user, next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = two_factor.seconds_to_wait(user)
        device = None if wait else two_factor.verify(request, code=form.cleaned_data["code"])
        if device is not None:
            return redirect(next_url or "officers:home")
        if wait:
            form.add_error(
                "code",
                f"There have been several wrong codes. Wait {wait} second{'s' if wait != 1 else ''}"
                ", then enter the code your authenticator app shows then",
            )
        else:
            form.add_error(
                "code",
                "The code is not right. Enter the 6 numbers your authenticator app shows now, "
                "or one of your recovery codes",
            )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if two_factor.has_two_factor(user) and not two_factor.is_verified(user):
        return redirect(two_factor.next_step_url(user, next_url))
    device = two_factor.totp_device_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_confirm(request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            return _codes_shown_once(request, codes, next_url)
        form.add_error(
            "code",
            "The code is not right. Enter the 6 numbers your authenticator app shows now "
            "for Collab",
        )
    context = {
        "form": form,
        "next": next_url,
        "required": two_factor.two_factor_required(user),
        "already": two_factor.has_two_factor(user),
        "qr_svg": two_factor.qr_svg(two_factor.provisioning_uri(device)),
        "secret": two_factor.secret_for_people(device),
    }
    return render(
        request,
        "registration/two_factor_setup.html",
        context,
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown this once; or a button to make new ones."""
    if two_factor.must_verify(request):
        return redirect(two_factor.next_step_url(request.user))
    if request.method == "POST":
        if not two_factor.is_verified(request.user):
            raise PermissionDenied("Sign in with two-factor first.")
        codes = two_factor.recovery_codes_replace(request.user)
        return _codes_shown_once(request, codes, _next_url(request))
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {
            "codes": codes,
            "next": _next_url(request),
            "left": two_factor.recovery_codes_left(request.user),
            "verified": two_factor.is_verified(request.user),
        },
    )
