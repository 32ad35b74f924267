"""Random and malformed CSV files at the officers' upload endpoints (invitees, paper
responses): never a server error, and all or nothing: a refused file changes no count, an
accepted one stores complete responses only."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.imports import MODE, REF, SPLIT_ARM, response_columns
from surveys.invitations import INVITEE_COLUMNS
from surveys.models import Answer, Invitation, Invitee, Membership, Response
from tests.fuzz.test_resident_endpoints import FUZZ, assert_no_half_stored_response, nasty_text

pytestmark = pytest.mark.django_db

cell = st.one_of(
    nasty_text,
    st.sampled_from(["A", "B", "north", "south", "1", "2", "paper", "x@example.org", ""]),
)


def csv_files(columns: list[str]) -> st.SearchStrategy[bytes]:
    header = st.lists(st.one_of(st.sampled_from(columns), st.text(max_size=12)), max_size=12)

    @st.composite
    def table(draw) -> bytes:
        names = draw(header)
        rows = draw(st.lists(st.lists(cell, max_size=len(names) + 2), max_size=8))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows(rows)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
        return out.getvalue().encode(encoding, errors="replace")

    return st.one_of(table(), st.binary(max_size=1500))


@pytest.fixture
def officer_client(survey) -> Client:
    officer = User.objects.create_user("uploader", password="pw-not-used-here")
    for role in (Membership.Role.OFFICER, Membership.Role.COUNCIL_ADMIN):
        Membership.objects.create(user=officer, council=survey.council, role=role)
    client = Client()
    client.force_login(officer)
    return client


def counts() -> tuple[int, ...]:
    return (
        Response.objects.count(),
        Answer.objects.count(),
        Invitee.objects.count(),
        Invitation.objects.count(),
    )


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_invitee_upload_survives_any_file(officer_client, survey, data):
    body = data.draw(csv_files([*INVITEE_COLUMNS]), label="file")
    before = counts()

    reply = officer_client.post(
        reverse("officers:invitations_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("invitees.csv", body, content_type="text/csv")},
    )

    assert reply.status_code < 500
    if reply.status_code != 302:
        assert counts() == before, "a refused file stores nothing"
    assert counts()[:2] == before[:2], "invitees never create responses or answers"


@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_paper_import_survives_any_file(officer_client, survey, data):
    columns = [SPLIT_ARM, MODE, REF, *response_columns(services.spec_for(survey))]
    body = data.draw(csv_files(columns), label="file")
    before = counts()

    reply = officer_client.post(
        reverse("officers:responses_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("paper.csv", body, content_type="text/csv")},
    )

    assert reply.status_code < 500
    if reply.status_code != 302:
        assert counts() == before, "a refused file stores nothing"
    assert_no_half_stored_response()
