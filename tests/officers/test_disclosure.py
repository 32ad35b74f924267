"""Issue 16, replayed: an officer trying to recognise a resident from what Collab shows or
exports recovers nothing. One disclosure policy (results.disclosure) behind every output."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from officers.forms import ReportFiltersForm
from officers.models import Export
from officers.report import report_build
from officers.services import exports_tidy
from results.errors import ResultsError
from surveys import services
from surveys.codes import code_generate, code_hash
from surveys.erasure import response_erase
from surveys.models import AuditEntry, Invitation, Invitee, Membership, Response, Survey
from tests.officers.factories import export_make
from tests.surveys.conftest import answers_for

QUASI = ("area", "AGE", "SEX", "WORK", "CHILDREN", "HOUSEHOLD", "mode", "week")


def _shown_numbers(report) -> list[int]:
    """Every base the report shows, in its rows and its breakdown's headings and cells."""
    bases = [r.row.base for s in report.sections for r in s.rows if r.row.base is not None]
    if report.breakdown:
        bases += [
            int(n.replace(",", "")) for _, _, n in report.breakdown.categories if n[0].isdigit()
        ]
        bases += [
            cell.base
            for row in report.breakdown.rows
            for cell in [*row.cells, row.all]
            if cell.base is not None
        ]
    return bases


def _every_filter(survey: Survey) -> list[dict[str, str]]:
    """Every single filter the report's form offers, and each day with responses alone."""
    form = ReportFiltersForm({"weighting": "unweighted"}, survey=survey)
    chosen: list[dict[str, str]] = [{}]
    for name in ("mode", "area"):
        chosen += [{name: value} for value, _ in form.fields[name].choices if value]
    for _group, options in form.fields["subgroup"].choices[1:]:
        chosen += [{"subgroup": value} for value, _ in options]
    days = {
        timezone.localtime(r.submitted_at).date()
        for r in Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    }
    chosen += [{"submitted_from": d.isoformat(), "submitted_to": d.isoformat()} for d in days]
    return chosen


def test_every_filter_and_breakdown_the_report_offers_shows_no_base_under_10(seeded):
    """The report (and compare, which shares its engine) for every filter and every
    breakdown the page offers: each is refused, or shows no count under 10 and hides its
    small groups with at least one more, so no hidden group is a total minus the rest."""
    # One response on a day of its own: the one-day attack.
    lone = Response.objects.filter(survey=seeded).first()
    Response.objects.filter(pk=lone.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    form = ReportFiltersForm({"weighting": "unweighted"}, survey=seeded)
    breakdowns = [None, *(value for value, _ in form.fields["breakdown"].choices if value)]
    refused = 0
    for data in _every_filter(seeded):
        bound = ReportFiltersForm({"weighting": "unweighted", **data}, survey=seeded)
        assert bound.is_valid(), bound.errors
        filters = bound.filters()
        for breakdown in breakdowns:
            try:
                report = report_build(
                    survey=seeded, filters=filters, weighted=False, breakdown=breakdown
                )
            except ResultsError:
                refused += 1
                continue
            assert report.comparison.respondents >= 10, data
            assert all(n >= 10 for n in _shown_numbers(report)), (data, breakdown)
            if report.breakdown:
                hidden = [c for c in report.breakdown.categories if c[2] == "fewer than 10"]
                shown = sum(int(c[2]) for c in report.breakdown.categories if c[2][0].isdigit())
                # One hidden group alone is fine only if it is empty (nothing to give away).
                assert len(hidden) != 1 or shown == report.comparison.respondents, (
                    data,
                    breakdown,
                )
    assert refused  # the small selections were refused, not shown


def test_the_one_day_report_shows_nothing(officer_client, seeded):
    """The attack: a day with 1 response, then the report filtered to that day. Dates are
    taken in whole periods of at least 10 (results.periods), so the day is widened to its
    period, and the page says so; nothing shown is that one person's."""
    lone = Response.objects.filter(survey=seeded).first()
    day = (timezone.now() - dt.timedelta(days=3)).date()
    Response.objects.filter(pk=lone.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    whole = Response.objects.filter(survey=seeded, status=Response.Status.COMPLETE).count()

    page = officer_client.get(
        reverse("officers:report", args=[seeded.slug]),
        {"submitted_from": day, "submitted_to": day, "breakdown": "AGE"},
    )

    assert page.status_code == 200
    assert "the whole periods of this selection those dates fall in" in page.content.decode()
    assert "base 1" not in page.content.decode()
    if "report" in page.context:
        report = page.context["report"]
        assert report.comparison.respondents >= 10
        assert (
            report.comparison.filters.submitted_from
            <= day
            <= report.comparison.filters.submitted_to
        )
        assert all(n >= 10 for n in _shown_numbers(report))

    # Everyone but that day: the whole survey minus it would give the one person back.
    everyone_else = officer_client.get(
        reverse("officers:report", args=[seeded.slug]),
        {"submitted_from": day + dt.timedelta(days=1)},
    )
    if "report" in everyone_else.context:
        left_out = whole - everyone_else.context["report"].comparison.respondents
        assert left_out == 0 or left_out >= 10


def test_narrowing_filters_and_breakdowns_give_no_small_group(officer_client, seeded):
    """The attack: mode and area narrowed to 2 people, broken down by age."""
    page = officer_client.get(
        reverse("officers:report", args=[seeded.slug]),
        {"mode": "paper", "area": "north", "breakdown": "AGE"},
    )
    assert "report" not in page.context and "Fewer than 10" in page.context["problem"]

    whole = officer_client.get(
        reverse("officers:report", args=[seeded.slug]), {"breakdown": "AGE"}
    ).context["report"]
    columns = {code: n for code, _, n in whole.breakdown.categories}
    # Empty groups and small ones read the same: no "(base 0)" beside "(base fewer than 10)".
    assert "0" not in columns.values()
    assert columns["15_24"] == "fewer than 10" and columns["55_64"] == "47"


def test_compare_refuses_a_small_selection(seeded):
    with pytest.raises(CommandError, match="Fewer than 10"):
        call_command(
            "compare",
            seeded.slug,
            "--unweighted",
            "--mode",
            "paper",
            "--area",
            "north",
            stdout=io.StringIO(),
        )


# ---------------------------------------------------------------------------------------------
# Microdata


def _demo(responses: int = 200) -> Survey:
    call_command("demo_setup", responses=responses, stdout=io.StringIO())
    return Survey.objects.get(slug="demo-2014")


def _research_officer(survey: Survey):
    user = get_user_model().objects.create_user("researcher", password="not-a-real-password-3")
    Membership.objects.create(
        user=user, council=survey.council, role=Membership.Role.RESEARCH_OFFICER
    )
    return user


@pytest.mark.django_db
def test_a_microdata_export_of_the_demo_reaches_k_5_by_its_own_count(
    client, django_capture_on_commit_callbacks
):
    survey = _demo()
    client.force_login(_research_officer(survey))
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("officers:exports", args=[survey.slug]),
            {"kind": "mcsv", "weighting": "unweighted"},
        )
    assert started.status_code == 302
    export = Export.objects.get()
    assert export.status == Export.Status.READY, export.message

    with zipfile.ZipFile(Path(export.file.path)) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("respondents.csv").decode("utf-8-sig"))))
        readme = z.read("README.txt").decode()
    assert len(rows) > 100  # most respondents are kept
    groups = Counter(tuple(r[q] for q in QUASI) for r in rows)
    assert min(groups.values()) >= 5
    assert "k reached" in readme and "Free-text answers are not included" in readme
    assert "week" in readme
    assert "COMMENTS" not in rows[0]
    days = {r["week"] for r in rows if r["week"] and len(r["week"]) == 10}
    assert all(dt.date.fromisoformat(d).weekday() == 0 for d in days)  # Mondays only


@pytest.mark.django_db
def test_the_spss_microdata_file_holds_the_answers_the_csv_holds(
    django_capture_on_commit_callbacks,
):
    """The same respondents, the same answers: a single-choice answer is its code, never
    coerced to missing."""
    import tempfile

    import pyreadstat

    from officers.exports import microdata_csv_write, microdata_sav_write

    survey = _demo(responses=120)
    with tempfile.TemporaryFile() as f:
        microdata_csv_write(f, survey=survey, progress=lambda n: None)
        f.seek(0)
        with zipfile.ZipFile(f) as z:
            rows = list(csv.DictReader(io.StringIO(z.read("respondents.csv").decode("utf-8-sig"))))
    with tempfile.NamedTemporaryFile(suffix=".sav") as f:
        microdata_sav_write(f, survey=survey, progress=lambda n: None)
        f.flush()
        frame, _meta = pyreadstat.read_sav(f.name)

    assert len(frame) == len(rows)
    assert "Q2" in frame.columns
    answered = frame["Q2"].replace("", None).dropna()
    assert len(answered) == sum(1 for r in rows if r["Q2"]) > 50
    assert set(answered) == {r["Q2"] for r in rows if r["Q2"]}  # codes, as in the CSV


@pytest.mark.django_db
def test_a_plain_officer_cannot_build_a_microdata_export(
    client, django_capture_on_commit_callbacks
):
    survey = _demo(responses=20)
    officer = get_user_model().objects.create_user("plain", password="not-a-real-password-4")
    survey.council.members.add(officer)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            reverse("officers:exports", args=[survey.slug]),
            {"kind": "msav", "weighting": "unweighted"},
        )
    form = client.get(reverse("officers:exports", args=[survey.slug]))

    assert refused.status_code == 403
    assert not Export.objects.exists()
    assert 'value="mcsv"' not in form.content.decode()
    # Nor can they open one a research officer made.
    export = export_make(survey=survey, user=officer, kind=Export.Kind.MICRO_CSV)
    download = client.get(reverse("officers:download", args=[survey.slug, export.pk]))
    assert download.status_code == 404


# ---------------------------------------------------------------------------------------------
# Exports expire and follow erasure


def _sent(survey: Survey) -> tuple[Response, str]:
    code = code_generate()
    invitation = Invitation.objects.create(survey=survey, code_hash=code_hash(code))
    Invitee.objects.create(
        survey=survey,
        invitation=invitation,
        name="Ada Resident",
        email="ada@example.org",
        postal_address="1 High Street",
        status=Invitee.Status.SENT,
    )
    response = services.code_open(code=code)
    response.draft = answers_for(response.split_arm)
    response.save(update_fields=["draft"])
    return services.response_submit(response_id=response.pk), code


def test_erasing_a_resident_deletes_both_export_files_that_hold_them(
    officer, seeded, django_capture_on_commit_callbacks
):
    from officers.services import export_build

    response, code = _sent(seeded)
    files = []
    for kind in (Export.Kind.CSV, Export.Kind.XLSX):
        export = Export.objects.create(survey=seeded, created_by=officer, kind=kind)
        built = export_build(export_id=export.pk)
        assert built.status == Export.Status.READY, built.message
        assert built.responses.filter(pk=response.pk).exists()
        files.append(Path(built.file.path))
    assert all(f.exists() for f in files)

    with django_capture_on_commit_callbacks(execute=True):  # files go once erasure commits
        response_erase(code=code)

    assert not any(f.exists() for f in files)
    for export in Export.objects.all():
        assert export.status == Export.Status.ERASED and not export.file
    deleted = AuditEntry.objects.filter(action="export.deleted_for_erasure")
    assert sorted(e.detail["export"] for e in deleted) == sorted(
        Export.objects.values_list("pk", flat=True)
    )
    invitee = Invitee.objects.get(invitation__code_hash=code_hash(code))
    assert (invitee.name, invitee.email, invitee.postal_address) == ("", "", "")


def test_an_expired_export_is_gone(officer, survey, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_RETENTION_DAYS = 30
    old = export_make(survey=survey, user=officer)
    recent = export_make(survey=survey, user=officer)
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    path = Path(old.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        tidied = exports_tidy()

    old.refresh_from_db()
    assert tidied.exports_expired == 1
    assert not path.exists() and not old.file and old.status == Export.Status.EXPIRED
    assert Path(recent.file.path).exists()
    assert AuditEntry.objects.filter(action="export.expired", detail__export=old.pk).exists()


def test_the_tidy_command_expires_exports_too(officer, survey):
    old = export_make(survey=survey, user=officer)
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))

    call_command("exports_tidy", stdout=io.StringIO())

    old.refresh_from_db()
    assert old.status == Export.Status.EXPIRED


def test_no_time_on_the_invitation_matches_the_response(seeded):
    response, _code = _sent(seeded)
    invitation = response.invitation
    invitation.refresh_from_db()

    assert invitation.used_at is not None
    assert invitation.used_at.replace(microsecond=0) != response.submitted_at.replace(microsecond=0)
    local = timezone.localtime(invitation.used_at)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)


def test_closing_cuts_the_link_to_the_invitee_and_erasure_by_code_still_works(
    seeded, django_capture_on_commit_callbacks
):
    from surveys.lifecycle import survey_close

    response, code = _sent(seeded)
    survey_close(survey=seeded)

    response.refresh_from_db()
    assert response.invitation_id is None  # no join from the answers to a name
    assert not Response.objects.filter(
        erasure_code_hash=Invitation.objects.get(code_hash=code_hash(code)).code_hash
    ).exists()  # nor through the code's hash: the response keeps a keyed one

    with django_capture_on_commit_callbacks(execute=True):
        response_erase(code=code)

    assert not Response.objects.filter(pk=response.pk).exists()
    invitee = Invitee.objects.get(invitation__code_hash=code_hash(code))
    assert (invitee.name, invitee.email, invitee.postal_address) == ("", "", "")
