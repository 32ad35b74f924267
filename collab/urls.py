from django.contrib import admin
from django.urls import include, path

from collab import health, views
from officers.views import findings_public
from surveys.admin_sites import council_site

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("ready", health.ready, name="ready"),
    path("admin/", admin.site.urls),
    path("council-admin/", council_site.urls),
    path("accounts/", include("officers.auth_urls")),
    path("officer/", include("officers.urls")),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("findings/<slug:slug>/", findings_public, name="findings"),
    path("", include("surveys.urls")),
]

# A database or cache lost outside a view gets the "please try again" page (collab/resilience.py).
handler500 = "collab.resilience.server_error"
