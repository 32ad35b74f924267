"""Sign in and sign out, and two-factor sign-in: officers' accounts are set up by an
administrator, so the self-service password pages of ``django.contrib.auth.urls`` are
deliberately not offered."""

from django.contrib.auth import views as auth_views
from django.urls import path

from officers import auth_views as views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.verify, name="two_factor_verify"),
    path("two-factor/set-up/", views.setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="two_factor_recovery_codes"),
]
