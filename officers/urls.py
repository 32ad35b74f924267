"""Officers' pages. tests/officers/test_scoping.py walks every pattern here as the owner,
as another council's officer and as an anonymous visitor, so a new page cannot skip scoping."""

from django.urls import path

from officers import views

app_name = "officers"
urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.statistics, name="statistics"),
    path("surveys/<slug:slug>/", views.dashboard, name="dashboard"),
    path("surveys/<slug:slug>/report/", views.report, name="report"),
    path(
        "surveys/<slug:slug>/report/charts/<slug:question>.<str:fmt>",
        views.report_chart,
        name="report_chart",
    ),
    path("surveys/<slug:slug>/exports/", views.exports, name="exports"),
    path("surveys/<slug:slug>/exports/<int:pk>/", views.export, name="export"),
    path("surveys/<slug:slug>/exports/<int:pk>/download/", views.export_download, name="download"),
    path("surveys/<slug:slug>/findings/", views.findings_edit, name="findings"),
]

# Running a survey (issue 5): invitations and letters, paper entry and import, the panel.
from officers import running  # noqa: E402

urlpatterns += [
    path("surveys/<slug:slug>/invitations/", running.invitations_page, name="invitations"),
    path(
        "surveys/<slug:slug>/invitations/upload/",
        running.invitations_upload,
        name="invitations_upload",
    ),
    path("surveys/<slug:slug>/invitations/letters/", running.letters, name="letters"),
    path("surveys/<slug:slug>/paper/", running.paper_entry, name="paper"),
    path("surveys/<slug:slug>/paper/import/", running.responses_upload, name="responses_upload"),
    path(
        "surveys/<slug:slug>/paper/imports/<int:pk>/",
        running.responses_import_status,
        name="responses_import",
    ),
    path(
        "surveys/<slug:slug>/paper/imports/<int:pk>/undo/",
        running.responses_import_undo,
        name="responses_import_undo",
    ),
    path(
        "surveys/<slug:slug>/paper/import/template.csv",
        running.responses_template,
        name="responses_template",
    ),
    path(
        "surveys/<slug:slug>/paper/import/codes.csv",
        running.responses_codes,
        name="responses_codes",
    ),
    path("surveys/<slug:slug>/panel/", running.panel_page, name="panel"),
    path("surveys/<slug:slug>/panel/export.csv", running.panel_export, name="panel_export"),
]

# Responses a council can trust (issue 13): the review queue, finding one response, voiding.
from officers import review  # noqa: E402

urlpatterns += [
    path("surveys/<slug:slug>/review/", review.review_queue, name="review"),
    path("surveys/<slug:slug>/review/find/", review.response_find, name="response_find"),
    path(
        "surveys/<slug:slug>/review/responses/<uuid:public_id>/",
        review.response_detail,
        name="response_detail",
    ),
]

# Residents' comments: reading, coding, the redaction step, theme counts and the export.
from officers import comment_views  # noqa: E402

urlpatterns += [
    path("surveys/<slug:slug>/comments/", comment_views.comments_list, name="comments"),
    path(
        "surveys/<slug:slug>/comments/<int:comment>/", comment_views.comment_detail, name="comment"
    ),
    path("surveys/<slug:slug>/comments/themes/", comment_views.themes_page, name="comment_themes"),
    path(
        "surveys/<slug:slug>/comments/themes/<int:theme>/",
        comment_views.theme_edit,
        name="comment_theme",
    ),
    path("surveys/<slug:slug>/comments/counts/", comment_views.theme_counts, name="comment_counts"),
    path(
        "surveys/<slug:slug>/comments/export/",
        comment_views.comments_export,
        name="comments_export",
    ),
]

# The printable paper questionnaire, one per split-sample version (officers/paper_form.py).
from officers import paper_form  # noqa: E402

urlpatterns += [
    path("surveys/<slug:slug>/paper/forms/", paper_form.paper_forms, name="paper_forms"),
    path(
        "surveys/<slug:slug>/paper/forms/<str:version>/",
        paper_form.paper_form_page,
        name="paper_form",
    ),
    path(
        "surveys/<slug:slug>/paper/forms/<str:version>.pdf",
        paper_form.paper_form_download,
        name="paper_form_pdf",
    ),
]
