from django.urls import path

from surveys import erasure_views, panel_views, views

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("code/", views.code_enter, name="code"),
    path("s/<slug:slug>/", views.survey_landing, name="landing"),
    path("s/<slug:slug>/start/", views.survey_start, name="start"),
    path("s/<slug:slug>/start/challenge/", views.survey_challenge, name="challenge"),
    path("s/<slug:slug>/page/<int:number>/", views.survey_page, name="page"),
    path("s/<slug:slug>/check-your-answers/", views.survey_review, name="review"),
    path("s/<slug:slug>/thank-you/", views.survey_thanks, name="thanks"),
    path("erase/", erasure_views.erase, name="erase"),
    path("s/<slug:slug>/residents-group/", panel_views.panel_join, name="panel_join"),
    path("residents-group/leave/", panel_views.panel_withdraw, name="panel_withdraw"),
]
