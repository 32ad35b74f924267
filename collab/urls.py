from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("officers.auth_urls")),
    path("officer/", include("officers.urls")),
    path("", include("surveys.urls")),
]
