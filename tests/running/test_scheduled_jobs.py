"""Scheduled jobs without extra processes: each is a command, safe to run again; with no broker
runserver runs them on a timer in one thread; platform administrators can run retention now."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from collab import schedule
from surveys import invitations
from surveys.models import AuditEntry, Invitee, ScheduledReminder, Survey

HEADER = "name,email,postal_address,area\n"


def _expired(survey: Survey) -> Survey:
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    survey.status = Survey.Status.CLOSED
    survey.closes_at = timezone.now() - dt.timedelta(days=survey.retention_days + 1)
    survey.save()
    return survey


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_retention_command_deletes_once_and_a_second_run_finds_nothing(survey):
    _expired(survey)

    assert "1 invitee(s)" in _run("apply_retention")
    assert "0 invitee(s)" in _run("apply_retention")
    assert not Invitee.objects.exists()


def test_the_closing_command_closes_a_survey_past_its_time_once(survey):
    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()

    assert _run("close_due_surveys").startswith("1 survey closed")
    assert _run("close_due_surveys").startswith("0 surveys closed")
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    assert AuditEntry.objects.filter(action="survey.closed", detail__by="schedule").count() == 1


def test_the_reminders_command_sends_due_reminders_once(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    send_at = timezone.now() + dt.timedelta(hours=2)
    invitations.reminder_schedule(survey=survey, send_at=send_at)
    later = send_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    with django_capture_on_commit_callbacks(execute=True):
        assert _run("send_scheduled_reminders").startswith("1 reminder e-mail queued")
        assert _run("send_scheduled_reminders").startswith("0 reminder e-mails queued")

    assert len(mail.outbox) == 2
    assert ScheduledReminder.objects.get().status == ScheduledReminder.Status.SENT


def test_run_scheduled_jobs_runs_every_job_of_the_beat_schedule(survey, settings):
    _expired(survey)

    out = _run("run_scheduled_jobs")

    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f"{name}:" in out
    assert not Invitee.objects.exists()


def test_run_scheduled_jobs_refuses_an_unknown_job(db):
    with pytest.raises(CommandError, match="Unknown job nightly"):
        call_command("run_scheduled_jobs", "nightly")


def test_the_in_process_timer_runs_each_job_when_its_interval_has_passed(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "often": {"task": "a", "schedule": 60.0},
        "daily": {"task": "b", "schedule": 86400.0},
    }
    ran: list[str] = []
    last: dict[str, float] = {}

    schedule.jobs_run_due(last, now=1000.0, run=ran.append)
    schedule.jobs_run_due(last, now=1030.0, run=ran.append)
    schedule.jobs_run_due(last, now=1061.0, run=ran.append)

    assert ran == ["often", "daily", "often"]


def test_a_failing_job_does_not_stop_the_others(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": "a", "schedule": 60.0},
        "fine": {"task": "b", "schedule": 60.0},
    }
    ran: list[str] = []

    def run(name):
        if name == "broken":
            raise RuntimeError("database away")
        ran.append(name)

    assert schedule.jobs_run_due({}, now=0.0, run=run) == ["broken", "fine"]
    assert ran == ["fine"]


@pytest.mark.parametrize(
    ("argv", "environ", "in_process", "wanted"),
    [
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, True),
        (["manage.py", "runserver", "--noreload"], {}, True, True),
        (["manage.py", "runserver"], {}, True, False),  # the autoreloader's parent
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, False, False),  # a broker: beat
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, True, False),
        (["pytest"], {}, True, False),
    ],
)
def test_the_timer_starts_only_in_runservers_serving_process(
    settings, argv, environ, in_process, wanted
):
    settings.SCHEDULE_IN_PROCESS = in_process
    assert schedule.in_process_wanted(argv, environ) is wanted


def test_the_timer_thread_starts_once_per_process(monkeypatch):
    monkeypatch.setattr(schedule, "_started", False)
    started = threading.Event()

    assert schedule.start(target=started.set) is True
    assert schedule.start(target=started.set) is False
    assert started.wait(5)


def test_jobs_run_by_the_timer_see_every_councils_data(survey, other_survey):
    """The thread has no request scope: the job's task opens every council's itself."""
    _expired(survey)
    _expired(other_survey)

    result = schedule.job_run("apply-retention")

    assert result["invitees"] == 2


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("platform", password="x-not-real-4"))
    return client


def test_the_admin_runs_retention_now_after_confirming(superuser_client, survey):
    _expired(survey)
    url = reverse("admin:retention_run")

    assert "Apply retention now" in superuser_client.get(reverse("admin:index")).content.decode()
    confirm = superuser_client.get(url)
    assert survey.title in confirm.content.decode()
    assert Invitee.objects.exists()  # nothing deleted by looking

    done = superuser_client.post(url, follow=True)

    assert "personal data deleted for 1 survey(s), 1 invitee(s)" in done.content.decode()
    assert not Invitee.objects.exists()
    assert AuditEntry.objects.filter(action="retention_run_now").exists()


def test_only_platform_administrators_can_run_retention(officer_client, survey):
    _expired(survey)

    response = officer_client.post(reverse("admin:retention_run"))

    assert response.status_code == 302
    assert "login" in response.url
    assert Invitee.objects.exists()
