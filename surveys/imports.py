"""Files officers upload: reading them safely, and importing paper responses from CSV.

Every upload is read the same way: refused early when too big, refused when empty or not
UTF-8 (with or without the byte order mark Excel adds), and checked whole before anything is
stored. Problems are reported as (row, column, problem), with row numbers as a spreadsheet
shows them (the header is row 1).

The responses file has one row per paper questionnaire and one column per question code:
``SPLIT_ARM`` (A or B: which version of the paper questionnaire it was), then ``Q1``, ``Q2``,
...; a grid has a column per statement (``Q4_needs``); a multiple choice lists its codes
separated by ``;``. Optional columns: ``MODE`` (paper or telephone), ``REF`` (the number
written on the paper form) and ``RECEIVED`` (the day the form came back, 2026-03-14 or
14/03/2026). A REF is stored with the response and is unique per survey, so a form is
imported once: a file with a REF already stored is refused, and so is a file that was
imported before (the same bytes), REF or not.

A question the form has no answer to is left blank, or written ``-``: it is stored as not
answered (item non-response), left out of that question's base and counted on the report.
No question is required in the file; every answer given is checked as strictly as online.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from surveys import services
from surveys.audit import audit_log
from surveys.errors import ResponsesInvalid, SurveyError
from surveys.models import Answer, Response, ResponseImport, Survey
from surveys.signals import responses_changed_announce
from surveys.spec import QuestionSpec, SurveySpec

MB = 1024 * 1024
INVITEES_MAX_BYTES = 5 * MB
RESPONSES_MAX_BYTES = 20 * MB
# Enough for an officer to see what is wrong; the rest are counted.
PROBLEMS_SHOWN = 200

SPLIT_ARM = "SPLIT_ARM"
MODE = "MODE"
REF = "REF"
RECEIVED = "RECEIVED"
# What a cell holds for a question the form has no answer to: nothing, or a dash.
NOT_ANSWERED_MARKS = ("", "-")
RECEIVED_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
MULTI_SEPARATOR = ";"
REF_MAX = 50
IMPORT_MODES = {Response.Mode.PAPER.value, Response.Mode.TELEPHONE.value}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where[0].upper()}{where[1:]}: {self.message}" if where else self.message


class UploadRejected(SurveyError):
    """A file that cannot be imported; problems say where and what. Nothing was stored."""

    def __init__(self, problems: list[Problem], *, total: int | None = None):
        self.problems = problems[:PROBLEMS_SHOWN]
        self.total = total if total is not None else len(problems)
        first = str(problems[0]) if problems else "The file cannot be imported"
        more = f" (and {self.total - 1} more problems)" if self.total > 1 else ""
        super().__init__(f"Nothing was imported. {first}{more}")

    @property
    def hidden(self) -> int:
        return self.total - len(self.problems)


def size_check(size: int | None, *, max_bytes: int) -> None:
    """Refuse a file by its declared size, before reading it."""
    if size is not None and size > max_bytes:
        raise UploadRejected(
            [
                Problem(
                    None,
                    None,
                    f"The file is {size / MB:.1f} MB; the largest file accepted is "
                    f"{max_bytes // MB} MB. Split it into smaller files.",
                )
            ]
        )


def upload_read(upload: Any, *, max_bytes: int = INVITEES_MAX_BYTES) -> str:
    """The text of an uploaded file (a Django UploadedFile or a binary file), or UploadRejected."""
    size_check(getattr(upload, "size", None), max_bytes=max_bytes)
    # One byte more than allowed tells us it is too big without reading all of it.
    data = upload.read(max_bytes + 1)
    return bytes_decode(data, max_bytes=max_bytes)


def bytes_decode(data: bytes, *, max_bytes: int) -> str:
    size_check(len(data), max_bytes=max_bytes)
    if not data.strip():
        raise UploadRejected([Problem(None, None, "The file is empty.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UploadRejected(
            [
                Problem(
                    line,
                    None,
                    "The file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” "
                    "(with or without a byte order mark) and upload it again.",
                )
            ]
        ) from None
    if "\x00" in text:
        raise UploadRejected(
            [Problem(None, None, "The file is not a CSV text file (it contains binary data).")]
        )
    return text


def csv_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (row number, cells) of every non-blank row."""
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UploadRejected(
            [Problem(None, None, f"The file is not valid CSV: {error}.")]
        ) from None
    numbered = [
        (n, cells) for n, cells in enumerate(lines, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        raise UploadRejected([Problem(None, None, "The file is empty.")])
    (_, header), rows = numbered[0], numbered[1:]
    header = [h.strip() for h in header]
    problems = []
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append(Problem(1, None, "A column has no name in the first row."))
        elif name in seen:
            problems.append(Problem(1, name, "This column appears twice."))
        seen.add(name)
    for n, cells in rows:
        if len(cells) != len(header):
            problems.append(
                Problem(n, None, f"This row has {len(cells)} cells; the header has {len(header)}.")
            )
    if problems:
        raise UploadRejected(problems)
    if not rows:
        raise UploadRejected([Problem(None, None, "The file has a header but no rows.")])
    return header, rows


# ---------------------------------------------------------------------------------------------
# Paper responses


def response_columns(spec: SurveySpec) -> dict[str, tuple[QuestionSpec, str | None]]:
    """Column name -> (question, grid item code or None), in questionnaire order."""
    columns: dict[str, tuple[QuestionSpec, str | None]] = {}
    for q in spec.questions.values():
        if q.kind == "grid":
            for item in q.items:
                columns[f"{q.code}_{item.code}"] = (q, item.code)
        else:
            columns[q.code] = (q, None)
    return columns


def _required_columns(spec: SurveySpec) -> list[str]:
    """Columns that must be in the file: every column of a question residents must answer
    online (a file without one was made for another questionnaire). Its cells may still be
    blank: a form with no answer there is stored as not answered.

    Split-sample statements are included: the column is there, blank for the other half.
    """
    return [name for name, (q, _) in response_columns(spec).items() if q.required]


def _column_for(field: str) -> str:
    # Form field names of grid statements are Q4__needs; the file's columns are Q4_needs.
    return field.replace("__", "_")


def _codes(q: QuestionSpec) -> str:
    return ", ".join(o.code for o in q.options)


def _draft_from_row(
    *,
    columns: dict[str, tuple[QuestionSpec, str | None]],
    header: list[str],
    cells: list[str],
    row: int,
    arm: str,
) -> tuple[dict[str, Any], list[Problem]]:
    """The answers of one row in the shape the kinds validate, and the problems with codes
    that the kinds would only describe in residents' words."""
    answers: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, raw in zip(header, cells, strict=True):
        if name not in columns:
            continue
        q, item = columns[name]
        value = raw.strip()
        if value in NOT_ANSWERED_MARKS:
            continue  # not answered on the form: stored as such by the write path
        if item is not None:
            asked = {i.code for i in q.items_for(arm)} if arm in ("A", "B") else None
            if asked is not None and item not in asked:
                problems.append(
                    Problem(row, name, f"Half {arm} is not asked this statement: leave it blank.")
                )
                continue
            if q.option(value) is None:
                problems.append(
                    Problem(row, name, f"‘{value}’ is not an answer code here. Use: {_codes(q)}.")
                )
                continue
            answers.setdefault(q.code, {})[item] = value
        elif q.kind == "multi":
            chosen = [v.strip() for v in value.split(MULTI_SEPARATOR) if v.strip()]
            unknown = [v for v in chosen if q.option(v) is None]
            if unknown:
                problems.append(
                    Problem(
                        row,
                        name,
                        f"{', '.join(f'‘{v}’' for v in unknown)} "
                        f"{'is' if len(unknown) == 1 else 'are'} not an answer code here. "
                        f"Use: {_codes(q)}, separated by “{MULTI_SEPARATOR}”.",
                    )
                )
                continue
            answers[q.code] = chosen
        elif q.kind in ("single", "area"):
            if q.option(value) is None:
                problems.append(
                    Problem(row, name, f"‘{value}’ is not an answer code here. Use: {_codes(q)}.")
                )
                continue
            answers[q.code] = value
        else:
            answers[q.code] = value
    return answers, problems


def responses_parse(*, survey: Survey, text: str) -> tuple[list[tuple[str, str, dict]], list[int]]:
    """(mode, split arm, answers) for every row, and each row's number in the file.

    Checks the layout and the codes; the answers themselves are checked by the write path.
    """
    parsed, row_numbers, _, _ = _parse(survey=survey, text=text)
    return parsed, row_numbers


def _received(survey: Survey, raw: str, row: int) -> tuple[dt.date | None, Problem | None]:
    value = raw.strip()
    if not value:
        return None, None
    for fmt in RECEIVED_FORMATS:
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        try:
            services.received_on_check(survey=survey, day=day)
        except SurveyError as error:
            return None, Problem(row, RECEIVED, f"{error}.")
        return day, None
    return None, Problem(row, RECEIVED, f"‘{value}’ is not a date: write it like 2026-03-14.")


def _parse(
    *, survey: Survey, text: str
) -> tuple[list[tuple[str, str, dict]], list[int], list[str], list[dt.date | None]]:
    """responses_parse, with each row's REF ('' when it has none) and day received."""
    spec = services.spec_for(survey)
    header, rows = csv_rows(text)
    columns = response_columns(spec)
    known = {SPLIT_ARM, MODE, REF, RECEIVED, *columns}
    problems = [
        Problem(1, name, "Unknown column: not a question code of this questionnaire.")
        for name in header
        if name not in known
    ]
    problems += [
        Problem(
            1,
            name,
            "Missing column: this question's column must be in the file (leave a cell blank "
            "where the form has no answer).",
        )
        for name in [SPLIT_ARM, *_required_columns(spec)]
        if name not in header
    ]
    if problems:
        raise UploadRejected(problems)

    position = {name: i for i, name in enumerate(header)}
    parsed: list[tuple[str, str, dict[str, Any]]] = []
    row_numbers: list[int] = []
    refs: list[str] = []
    received: list[dt.date | None] = []
    seen: dict[tuple, int] = {}
    for n, cells in rows:
        arm = cells[position[SPLIT_ARM]].strip().upper()
        if arm not in ("A", "B"):
            problems.append(
                Problem(n, SPLIT_ARM, f"‘{arm}’ is not a half of the sample: use A or B.")
            )
        mode = Response.Mode.PAPER.value
        if MODE in position:
            mode = cells[position[MODE]].strip().lower() or mode
            if mode not in IMPORT_MODES:
                problems.append(
                    Problem(n, MODE, f"‘{mode}’ is not a mode: use paper or telephone.")
                )
        ref = cells[position[REF]].strip() if REF in position else ""
        if len(ref) > REF_MAX:
            problems.append(Problem(n, REF, f"A REF has at most {REF_MAX} characters."))
        day, problem = None, None
        if RECEIVED in position:
            day, problem = _received(survey, cells[position[RECEIVED]], n)
        if problem is not None:
            problems.append(problem)
        key = ("ref", ref) if ref else ("row", *(c.strip() for c in cells))
        if key in seen:
            what = f"REF {ref}" if ref else "every cell"
            problems.append(
                Problem(
                    n,
                    REF if ref else None,
                    f"Duplicate of row {seen[key]} ({what} the same). If two people really gave "
                    "identical answers, give each form its number in a REF column.",
                )
            )
        else:
            seen[key] = n
        answers, found = _draft_from_row(
            columns=columns, header=header, cells=cells, row=n, arm=arm
        )
        problems += found
        parsed.append((mode, arm, answers))
        row_numbers.append(n)
        refs.append(ref)
        received.append(day)
    if problems:
        raise UploadRejected(problems)
    return parsed, row_numbers, refs, received


def _refs_stored(*, survey: Survey, refs: list[str], row_numbers: list[int]) -> list[Problem]:
    """The rows whose REF a response of this survey already holds."""
    wanted = {ref for ref in refs if ref}
    stored: set[str] = set()
    listed = sorted(wanted)
    for start in range(0, len(listed), 900):  # SQLite allows 999 parameters
        stored |= set(
            Response.objects.filter(survey=survey, ref__in=listed[start : start + 900]).values_list(
                "ref", flat=True
            )
        )
    return [
        Problem(
            n,
            REF,
            f"REF {ref} is already stored: this form has been imported or entered before. "
            "Remove the row, or undo the earlier import first.",
        )
        for n, ref in zip(row_numbers, refs, strict=True)
        if ref in stored
    ]


def _validation_problems(error: ResponsesInvalid, row_numbers: list[int]) -> list[Problem]:
    return [
        Problem(row_numbers[index], _column_for(field), f"{message}.")
        for index, by_question in sorted(error.errors.items())
        for fields in by_question.values()
        for field, message in fields
    ]


def responses_import(
    *,
    survey: Survey,
    text: str,
    entered_by=None,
    batch: ResponseImport | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store every row of a responses file, or none: returns how many were stored.

    A row whose REF is already stored (or a file already imported) is refused with the rows
    named; the database's constraint on (survey, REF) refuses it too if two imports race.
    progress(rows checked) is called while the rows are checked, before anything is stored.
    """
    digest = file_digest(text)
    earlier = ResponseImport.objects.filter(
        survey=survey, digest=digest, status=ResponseImport.Status.DONE
    ).exclude(pk=getattr(batch, "pk", None))
    if earlier.exists():
        when = timezone.localtime(earlier.first().created_at).strftime("%-d %B %Y at %H:%M")
        problems = [
            Problem(
                None,
                None,
                f"This file was imported on {when}. Its responses are stored already; "
                "to import it again, undo that import first.",
            )
        ]
        # The rows whose REF is stored, named as for any other file.
        with contextlib.suppress(UploadRejected):
            _parsed, row_numbers, refs, _received = _parse(survey=survey, text=text)
            problems += _refs_stored(survey=survey, refs=refs, row_numbers=row_numbers)
        raise UploadRejected(problems)
    parsed, row_numbers, refs, received = _parse(survey=survey, text=text)
    problems = _refs_stored(survey=survey, refs=refs, row_numbers=row_numbers)
    if problems:
        raise UploadRejected(problems)
    try:
        with transaction.atomic():
            try:
                stored = services.responses_record_bulk(
                    survey=survey,
                    drafts=parsed,
                    entered_by=entered_by,
                    refs=refs,
                    received=received,
                    batch=batch,
                    progress=progress,
                )
            except ResponsesInvalid as error:
                raise UploadRejected(_validation_problems(error, row_numbers)) from None
            modes = Counter(mode for mode, _, _ in parsed)
            audit_log(
                actor=entered_by,
                action="responses_imported",
                survey=survey,
                count=stored,
                by_mode=dict(modes),
                **({"import": batch.pk} if batch else {}),
            )
            if batch is not None:
                ResponseImport.objects.filter(pk=batch.pk).update(digest=digest)
    except IntegrityError:
        # Another import stored one of these REFs since the check above.
        problems = _refs_stored(survey=survey, refs=refs, row_numbers=row_numbers)
        raise UploadRejected(
            problems or [Problem(None, REF, "A REF in this file is already stored.")]
        ) from None
    _analyse_after_bulk()
    return stored


def file_digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


def _analyse_after_bulk() -> None:
    """On PostgreSQL, fresh statistics for the tables a bulk import filled: the planner
    otherwise plans the report's queries for the tables as they were before."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Response, Answer):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ---------------------------------------------------------------------------------------------
# Imports in the background, with progress, and undone as a whole

PROGRESS_EVERY = 500


def import_queue(*, survey: Survey, text: str, filename: str = "", actor=None) -> ResponseImport:
    """Keep the file and queue its import: never inside the officer's request. With no broker
    configured the task runs in-process once this transaction commits."""
    from surveys.tasks import import_responses

    batch = ResponseImport.objects.create(
        survey=survey,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255],
        text=text,
        rows_total=max(0, sum(1 for line in text.splitlines() if line.strip()) - 1),
    )
    transaction.on_commit(lambda: import_responses.delay(batch.pk))
    return batch


def import_run(*, import_id: int) -> ResponseImport:
    """Run a queued import (the task). Safe to run twice: a finished import is left alone."""
    claimed = ResponseImport.objects.filter(
        pk=import_id, status=ResponseImport.Status.QUEUED
    ).update(status=ResponseImport.Status.CHECKING)
    batch = ResponseImport.objects.select_related("survey__council", "created_by").get(pk=import_id)
    if not claimed:
        return batch

    def progress(checked: int) -> None:
        if checked % PROGRESS_EVERY == 0 or checked == batch.rows_total:
            status = (
                ResponseImport.Status.STORING
                if checked >= batch.rows_total
                else ResponseImport.Status.CHECKING
            )
            ResponseImport.objects.filter(pk=import_id).update(rows_checked=checked, status=status)

    try:
        stored = responses_import(
            survey=batch.survey,
            text=batch.text,
            entered_by=batch.created_by,
            batch=batch,
            progress=progress,
        )
    except UploadRejected as error:
        ResponseImport.objects.filter(pk=import_id).update(
            status=ResponseImport.Status.REJECTED,
            problems=[
                {"row": p.row, "column": p.column, "message": p.message} for p in error.problems
            ],
            problems_total=error.total,
            text="",
            finished_at=timezone.now(),
        )
    except SurveyError as error:
        ResponseImport.objects.filter(pk=import_id).update(
            status=ResponseImport.Status.REJECTED,
            problems=[{"row": None, "column": None, "message": str(error)}],
            problems_total=1,
            text="",
            finished_at=timezone.now(),
        )
    except Exception:
        ResponseImport.objects.filter(pk=import_id).update(
            status=ResponseImport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    else:
        ResponseImport.objects.filter(pk=import_id).update(
            status=ResponseImport.Status.DONE,
            stored=stored,
            rows_checked=batch.rows_total,
            text="",
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    return batch


def import_problems(batch: ResponseImport) -> UploadRejected | None:
    """A refused import's problems, in the shape the upload page reports them."""
    if batch.status != ResponseImport.Status.REJECTED:
        return None
    problems = [Problem(p["row"], p["column"], p["message"]) for p in batch.problems]
    return UploadRejected(problems, total=batch.problems_total or len(problems))


def import_undo(*, batch: ResponseImport, actor) -> int:
    """Delete every response a finished import stored (voided ones too), with their answers;
    returns how many. Audited; the figures follow."""
    with transaction.atomic():
        locked = ResponseImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ResponseImport.Status.DONE:
            raise SurveyError("Only an import that has finished storing its rows can be undone.")
        responses = Response.objects.filter(import_batch=locked)
        count = responses.count()
        Answer.objects.filter(response__in=responses).delete()
        responses.delete()
        locked.status = ResponseImport.Status.UNDONE
        locked.undone_at = timezone.now()
        locked.save(update_fields=["status", "undone_at"])
        audit_log(
            actor=actor,
            action="responses_import_undone",
            survey=locked.survey,
            count=count,
            filename=locked.filename,
            **{"import": locked.pk},
        )
        responses_changed_announce(survey_id=locked.survey_id)
    batch.refresh_from_db()
    return count


def responses_csv(*, spec: SurveySpec, drafts: list[tuple[str, dict[str, Any]]]) -> str:
    """A responses file for these (split arm, answers): the inverse of responses_parse.

    Used by tests and by the benchmark.
    """
    columns = response_columns(spec)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([SPLIT_ARM, *columns])
    for arm, answers in drafts:
        row = [arm]
        for q, item in columns.values():
            value = answers.get(q.code)
            if item is not None:
                value = (value or {}).get(item)
            elif isinstance(value, list):
                value = MULTI_SEPARATOR.join(value)
            row.append("" if value is None else str(value))
        writer.writerow(row)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The blank template and its codes, for officers to download


def responses_template_csv(*, spec: SurveySpec) -> str:
    """The header row of a responses file: SPLIT_ARM, every question and statement column in
    questionnaire order, then the optional MODE, REF and RECEIVED."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(
        [SPLIT_ARM, *response_columns(spec), MODE, REF, RECEIVED]
    )
    return out.getvalue()


# "column needed in the file" says whether the column must be there; any cell may be left blank.
CODES_HEADER = ("column", "column needed in the file", "question", "code", "meaning")
NOT_ANSWERED_MEANING = "Not answered on the form (or leave the cell blank)"


def responses_codes_rows(*, spec: SurveySpec) -> list[tuple[str, str, str, str, str]]:
    """Every column of the template with what may be written in it: one row per allowed
    code and its label, or one row describing a free text or number column."""
    rows: list[tuple[str, str, str, str, str]] = [
        (
            SPLIT_ARM,
            "yes",
            "Which version of the questionnaire (printed on the form)",
            "A",
            "Half A",
        ),
        (
            SPLIT_ARM,
            "yes",
            "Which version of the questionnaire (printed on the form)",
            "B",
            "Half B",
        ),
    ]
    for name, (q, item_code) in response_columns(spec).items():
        required = "yes" if q.required else "no"
        question = q.text
        if item_code is not None:
            item = next(i for i in q.items if i.code == item_code)
            question = f"{q.text} — {item.text}"
            if item.split_arm:
                question += f" (half {item.split_arm} only: blank for half "
                question += f"{'B' if item.split_arm == 'A' else 'A'})"
        if q.kind == "text":
            limit = f" (up to {q.max_length} characters)" if q.max_length else ""
            rows.append((name, required, question, "", f"Free text{limit}"))
        elif q.kind == "number":
            rows.append((name, required, question, "", _number_meaning(q)))
        else:
            if q.kind == "multi":
                question += f" (one or more codes, separated by “{MULTI_SEPARATOR}”)"
            rows += [(name, required, question, o.code, o.label) for o in q.options]
        rows.append((name, required, question, "-", NOT_ANSWERED_MEANING))
    rows += [
        (MODE, "no", "How the resident answered (paper if blank)", mode, mode.title())
        for mode in sorted(IMPORT_MODES)
    ]
    rows.append((REF, "no", "The number written on the form, to catch one typed twice", "", ""))
    rows.append(
        (
            RECEIVED,
            "no",
            "The day the form came back",
            "",
            "A date like 2026-03-14 or 14/03/2026, not in the future",
        )
    )
    return [
        (name, req, csv_safe(question), code, csv_safe(meaning))
        for name, req, question, code, meaning in rows
    ]


def _number_meaning(q: QuestionSpec) -> str:
    if q.min_value is not None and q.max_value is not None:
        return f"A whole number from {q.min_value} to {q.max_value}"
    if q.min_value is not None:
        return f"A whole number, {q.min_value} or more"
    if q.max_value is not None:
        return f"A whole number, {q.max_value} or less"
    return "A whole number"


def responses_codes_csv(*, spec: SurveySpec) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CODES_HEADER)
    writer.writerows(responses_codes_rows(spec=spec))
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Text a spreadsheet would run as a formula (leading = + - @, tab or carriage return) is
    made plain text with a leading apostrophe. Only text is touched: numbers (negative ones
    too) stay numbers, and None stays None. The one helper every CSV and Excel writer uses."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_safe_row(values) -> list:
    """A row of cells, each through csv_safe."""
    return [csv_safe(v) for v in values]
