"""Officers' pages. tests/officers/test_scoping.py walks every pattern here as the owner,
as another council's officer and as an anonymous visitor, so a new page cannot skip scoping."""

from django.urls import path

from officers import views

app_name = "officers"
urlpatterns = [
    path("", views.home, name="home"),
    path("surveys/<slug:slug>/", views.dashboard, name="dashboard"),
    path("surveys/<slug:slug>/report/", views.report, name="report"),
    path("surveys/<slug:slug>/exports/", views.exports, name="exports"),
    path("surveys/<slug:slug>/exports/<int:pk>/", views.export, name="export"),
    path("surveys/<slug:slug>/exports/<int:pk>/download/", views.export_download, name="download"),
]
