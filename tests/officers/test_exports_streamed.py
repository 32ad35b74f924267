"""Files of a row per respondent or per comment are written as their rows are read, a chunk
at a time (officers.exports; benchmarks/exports_at_scale.py measures it): reading in small
chunks gives the same file as reading in one, each respondent and comment once."""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from openpyxl import load_workbook

from officers import comments, exports, selectors
from officers.comments import comment_code, comment_redact, comments_for_export
from officers.models import Export, Theme
from officers.selectors import survey_response_records
from officers.services import export_build
from surveys.models import Answer, Response
from tests.officers.test_comments import _answer, _user
from tests.officers.test_disclosure import _demo

pytestmark = pytest.mark.django_db


def _built(survey, kind: str) -> Export:
    export = export_build(export_id=Export.objects.create(survey=survey, kind=kind).pk)
    assert export.status == Export.Status.READY, export.message
    return export


def _respondents(export: Export) -> list[dict[str, str]]:
    with zipfile.ZipFile(Path(export.file.path)) as z:
        raw = z.read("respondents.csv")
    assert raw.startswith("\ufeff".encode()) and not raw[3:].startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_microdata_read_in_small_chunks_is_the_file_read_in_one():
    survey = _demo(responses=120)
    whole = _respondents(_built(survey, Export.Kind.MICRO_CSV))
    small = functools.partial(selectors.survey_response_records, chunk_size=7)
    with mock.patch.object(exports, "survey_response_records", small):
        chunked = _respondents(_built(survey, Export.Kind.MICRO_CSV))

    # Numbered 1..n in the file's own (random) order, each respondent once.
    assert [int(r["respondent"]) for r in chunked] == list(range(1, len(chunked) + 1))
    assert len(chunked) > 100

    def rows(data):
        return Counter(tuple(v for k, v in r.items() if k != "respondent") for r in data)

    assert rows(chunked) == rows(whole)


def test_the_microdata_spss_file_holds_the_rows_of_the_csv():
    import pyreadstat

    survey = _demo(responses=60)
    in_csv = _respondents(_built(survey, Export.Kind.MICRO_CSV))
    frame, meta = pyreadstat.read_sav(_built(survey, Export.Kind.MICRO_SAV).file.path)

    assert len(frame) == len(in_csv)
    assert list(frame.columns) == list(in_csv[0])
    assert sorted(frame["respondent"].astype(int)) == list(range(1, len(in_csv) + 1))
    chosen = next(name for name in frame.columns if name.startswith("Q1_"))  # 0 or 1
    assert Counter(frame[chosen].dropna().astype(int).astype(str)) == Counter(
        r[chosen] for r in in_csv if r[chosen]
    )
    assert "k reached" in " ".join(meta.notes)


def test_the_records_of_chosen_questions_carry_those_answers_and_their_response():
    survey = _demo(responses=20)
    ids = list(
        Response.objects.filter(survey=survey, status="complete")
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    records = list(survey_response_records(survey=survey, chunk_size=3, codes={"SEX"}))

    assert [r.response_id for r in records] == ids
    assert [r.serial for r in records] == list(range(1, len(ids) + 1))
    assert all(set(r.answers) == {"SEX"} for r in records)


@pytest.fixture
def redacted(survey):
    """Twenty-five comments through the redaction step, three still waiting."""
    research = _user("streamed-researcher", survey, "research_officer")
    theme = Theme.objects.create(survey=survey, name="Libraries")
    for i in range(25):
        answer = _answer(survey, f"Comment {i}: the library should open later.")
        comment_redact(comment=answer, user=research, kept=set(), phrases=[])
        if i % 2:
            comment_code(comment=answer, user=research, theme_ids=[theme.pk])
    for i in range(3):
        _answer(survey, f"Waiting {i}: ring me.")
    return survey


def test_comments_read_in_small_chunks_are_each_exported_once(redacted):
    read = list(comments_for_export(survey=redacted, seed=1, chunk_size=4))

    assert sorted(c.text for c in read) == sorted(
        f"Comment {i}: the library should open later." for i in range(25)
    )
    assert Counter(tuple(c.themes) for c in read) == {(): 13, ("Libraries",): 12}
    # The order is the seed's, whatever the chunks.
    assert [c.text for c in comments_for_export(survey=redacted, seed=1)] == [c.text for c in read]


def test_the_comment_files_written_row_by_row_hold_every_redacted_comment(redacted):
    small = functools.partial(comments.comments_for_export, chunk_size=4)
    with mock.patch.object(exports, "comments_for_export", small):
        as_csv = _built(redacted, Export.Kind.COMMENTS_CSV)
        as_xlsx = _built(redacted, Export.Kind.COMMENTS_XLSX)

    lines = list(csv.reader(io.StringIO(Path(as_csv.file.path).read_text("utf-8-sig"))))
    book = load_workbook(as_xlsx.file.path)
    sheet = list(book["Comments"].iter_rows(values_only=True))

    assert lines[0] == exports.COMMENTS_HEADER and list(sheet[0]) == exports.COMMENTS_HEADER
    assert book["Comments"]["A1"].font.bold
    assert [int(line[0]) for line in lines[1:26]] == list(range(1, 26)) and lines[26] == []
    assert [row[0] for row in sheet[1:]] == list(range(1, 26))
    assert ["Comments in this file", "25"] in lines
    assert ("Comments in this file", 25) in list(book["About"].iter_rows(values_only=True))
    assert book.sheetnames == ["Comments", "Themes", "About"]
    assert Answer.objects.filter(question__code="COMMENTS").count() == 28


def test_a_build_hands_over_a_file_not_bytes():
    export = Export.objects.create(survey=_demo(responses=20), kind="mcsv")
    with exports.export_content(export=export, progress=lambda _: None) as built:
        assert not isinstance(built, bytes)
        assert built.tell() == 0
        assert zipfile.ZipFile(built).namelist() == ["respondents.csv", "README.txt"]


def test_every_response_is_recorded_against_the_export_in_chunks():
    survey = _demo(responses=30)
    complete = Response.objects.filter(survey=survey, status="complete")
    with mock.patch("officers.services.RESPONSES_CHUNK", 4):
        export = _built(survey, Export.Kind.CSV)

    assert complete.count() > 8
    assert set(export.responses.values_list("pk", flat=True)) == set(
        complete.values_list("pk", flat=True)
    )
