"""Sign in and sign out only: officers' accounts are set up by an administrator, so the
self-service password pages of ``django.contrib.auth.urls`` are deliberately not offered."""

from django.contrib.auth import views as auth_views
from django.urls import path

from officers.forms import SignInForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
