"""Import paper responses from a CSV file: all rows or none.

    python manage.py import_responses SURVEY_SLUG FILE.csv

The file's layout is described in surveys/imports.py (and on the officers' import page).
Exits non-zero with the problems listed, by row and column, when anything is wrong.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.errors import SurveyError
from surveys.imports import (
    RESPONSES_MAX_BYTES,
    UploadRejected,
    responses_import,
    size_check,
    upload_read,
)
from surveys.models import Survey
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Import paper (or telephone) responses from a CSV file into a survey: all or none."

    def add_arguments(self, parser) -> None:
        parser.add_argument("survey_slug")
        parser.add_argument("file", type=Path)

    @across_councils
    def handle(self, *args, survey_slug: str, file: Path, **options) -> None:
        survey = Survey.objects.filter(slug=survey_slug).first()
        if survey is None:
            raise CommandError(f"There is no survey '{survey_slug}'.")
        if not file.is_file():
            raise CommandError(f"There is no file at {file}.")
        try:
            # Refused by its size before it is read, like an upload.
            size_check(file.stat().st_size, max_bytes=RESPONSES_MAX_BYTES)
            with file.open("rb") as handle:
                text = upload_read(handle, max_bytes=RESPONSES_MAX_BYTES)
            count = responses_import(survey=survey, text=text)
        except UploadRejected as error:
            if error.total == 1:
                raise CommandError(f"Nothing was imported. {error.problems[0]}") from None
            for problem in error.problems:
                self.stderr.write(str(problem))
            if error.hidden:
                self.stderr.write(f"... and {error.hidden} more problems.")
            raise CommandError(
                f"Nothing was imported: {error.total} problem{'s' if error.total != 1 else ''}."
            ) from None
        except SurveyError as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {count} responses into {survey.slug}."))
