from django.contrib import admin
from django.urls import include, path

from collab import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("officers.auth_urls")),
    path("officer/", include("officers.urls")),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("", include("surveys.urls")),
]
