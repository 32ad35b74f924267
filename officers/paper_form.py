"""The printable paper questionnaire: one per split-sample version, in normal or large print.

One source of truth. The form is built from the survey's questionnaire as data
(``surveys.services.spec_for``), with each grid's rows chosen by ``QuestionSpec.items_for``
exactly as a resident's page chooses them, so a resident of version A reads on paper the same
questions, statements and options, in the same order, as one answering version A online.

One layout for the screen, the printer and the PDF. The page is HTML with print CSS (A4 page
margins, the version and page numbers in the page's margin boxes, no question split over two
pages) and the PDF download is that same HTML rendered by WeasyPrint. WeasyPrint rather than
reportlab (which draws the report's PDF in officers/report_paper.py) because reportlab would be
a second drawing of the form, in code, that could drift from the page officers print from their
browser; WeasyPrint reads the one template and honours the same @page rules. It needs Debian's
Pango libraries (the Makefile's ``browsers`` target installs them); where they are missing the
PDF link says so and the web page still prints.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from officers.selectors import survey_for_officer
from surveys import services
from surveys.models import Question, SplitArm, Survey
from surveys.spec import ItemSpec, OptionSpec, QuestionSpec

VERSIONS = tuple(SplitArm.values)  # "A", "B"
PERMISSION = "responses.enter"  # whoever types paper returns in may print the blank form
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
# Lines for a free-text answer: about 250 characters a line-and-a-bit of handwriting.
TEXT_LINES_MIN, TEXT_LINES_MAX = 4, 12
# The PDF's pages resolve their images against this name, which no network knows.
PDF_HOST = "collab.invalid"


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it draws with are not installed."""


@dataclass(frozen=True)
class PaperQuestion:
    number: int
    code: str
    kind: str
    text: str
    hint: str
    instruction: str
    options: tuple[OptionSpec, ...] = ()
    rows: tuple[ItemSpec, ...] = ()  # a grid's statements for this version
    digits: int = 0  # a number's boxes
    lines: int = 0  # a free-text answer's ruled lines
    exclusive_note: str = ""

    @property
    def digit_boxes(self) -> range:
        return range(self.digits)

    @property
    def line_boxes(self) -> range:
        return range(self.lines)

    @property
    def template(self) -> str:
        kind = "choices" if self.kind in (Question.Kind.SINGLE, Question.Kind.MULTI) else self.kind
        return f"officers/paper_form/_{kind}.html"


@dataclass(frozen=True)
class PaperPart:
    number: int
    title: str
    intro: str
    questions: tuple[PaperQuestion, ...]


@dataclass(frozen=True)
class PaperForm:
    survey: Survey
    version: str
    large_print: bool
    parts: tuple[PaperPart, ...]

    @property
    def is_draft(self) -> bool:
        return self.survey.status == Survey.Status.DRAFT

    @property
    def version_label(self) -> str:
        return f"Version {self.version}"

    @property
    def questions(self) -> list[PaperQuestion]:
        return [q for part in self.parts for q in part.questions]

    @property
    def footer_left(self) -> SafeString:
        """The footer of every printed page, as a CSS string."""
        return css_string(f"{self.survey.council.name}: {self.survey.title}")

    @property
    def header_right(self) -> SafeString:
        return css_string(f"{self.version_label}{'  (large print)' if self.large_print else ''}")


def css_string(text: str) -> SafeString:
    """A quoted CSS string, every character outside plain letters, digits and spaces escaped,
    so no name or title can end the string or the style element it sits in."""
    out = []
    for ch in text:
        if (ch.isalnum() and ch.isascii()) or ch in " .,:()-":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return mark_safe('"' + "".join(out) + '"')


def _count_words(n: int) -> str:
    return NUMBER_WORDS.get(n, str(n))


def instruction(q: QuestionSpec) -> str:
    """What the resident is told to do, from the kind and its limits (never the online
    hint's "Choose", which speaks of a screen)."""
    if q.kind in (Question.Kind.SINGLE, Question.Kind.AREA):
        return "Tick one box."
    if q.kind == Question.Kind.GRID:
        return "Tick one box in each row."
    if q.kind == Question.Kind.MULTI:
        low, high = q.min_choices or 0, q.max_choices
        if high == 1:
            return "Tick one box."
        if high and low > 1 and low < high:
            return f"Tick {_count_words(low)} to {_count_words(high)} boxes."
        if high and low == high:
            return f"Tick {_count_words(high)} boxes."
        if high:
            return f"Tick up to {_count_words(high)} boxes."
        if low > 1:
            return f"Tick at least {_count_words(low)} boxes."
        return "Tick all the boxes that apply."
    if q.kind == Question.Kind.NUMBER:
        return "Write the number in the boxes, one digit in each box."
    return "Write your answer in the space below."


def _digits(q: QuestionSpec) -> int:
    largest = max(abs(q.max_value or 0), abs(q.min_value or 0))
    return max(len(str(largest)), 1) if largest else 4


def _lines(q: QuestionSpec, *, large_print: bool) -> int:
    lines = (q.max_length or 1000) // 250
    lines = max(TEXT_LINES_MIN, min(TEXT_LINES_MAX, lines))
    return lines + 2 if large_print else lines


def _exclusive_note(q: QuestionSpec) -> str:
    if q.kind != Question.Kind.MULTI:
        return ""
    labels = [f"“{o.label}”" for o in q.options if o.exclusive]
    if not labels:
        return ""
    return f"If you tick {' or '.join(labels)}, do not tick any other box."


def paper_form(*, survey: Survey, version: str, large_print: bool = False) -> PaperForm:
    """The questionnaire a resident of this version answers, numbered as printed."""
    if version not in VERSIONS:
        raise ValueError(f"no version {version!r}")
    spec = services.spec_for(survey)
    parts, number = [], 0
    for page in spec.pages:
        questions = []
        for q in page.questions:
            rows = q.items_for(version) if q.kind == Question.Kind.GRID else ()
            if q.kind == Question.Kind.GRID and not rows:
                continue  # a grid this version is not asked at all
            number += 1
            questions.append(
                PaperQuestion(
                    number=number,
                    code=q.code,
                    kind=q.kind if q.kind != Question.Kind.AREA else Question.Kind.SINGLE,
                    text=q.text,
                    hint=q.hint,
                    instruction=instruction(q),
                    options=q.options,
                    rows=rows,
                    digits=_digits(q) if q.kind == Question.Kind.NUMBER else 0,
                    lines=(
                        _lines(q, large_print=large_print) if q.kind == Question.Kind.TEXT else 0
                    ),
                    exclusive_note=_exclusive_note(q),
                )
            )
        if questions:
            parts.append(
                PaperPart(
                    number=len(parts) + 1,
                    title=page.title,
                    intro=page.intro,
                    questions=tuple(questions),
                )
            )
    return PaperForm(survey=survey, version=version, large_print=large_print, parts=tuple(parts))


def paper_form_html(request: HttpRequest | None, form: PaperForm, *, for_pdf: bool = False) -> str:
    return render_to_string(
        "officers/paper_form/questionnaire.html",
        {"survey": form.survey, "form": form, "for_pdf": for_pdf},
        request=request,
    )


def _media_only(url: str, timeout: int = 10, ssl_context=None):
    """WeasyPrint's fetcher for the council's logo: files under MEDIA_ROOT only, nothing from
    the network."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc != PDF_HOST:
        raise ValueError(f"not a file of this site: {url}")
    media_url = urlsplit(settings.MEDIA_URL).path
    if not path.startswith(media_url):
        raise ValueError(f"not a media file: {url}")
    root = Path(settings.MEDIA_ROOT).resolve()
    file = (root / path.removeprefix(media_url)).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        raise ValueError(f"no such media file: {url}")
    return {
        "string": file.read_bytes(),
        "mime_type": mimetypes.guess_type(file.name)[0] or "application/octet-stream",
    }


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or its friends are missing
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def pdf_available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def paper_form_pdf(form: PaperForm) -> bytes:
    """The same page as a PDF, drawn by WeasyPrint from the same template."""
    weasyprint = _weasyprint()
    html = paper_form_html(None, form, for_pdf=True)
    return weasyprint.HTML(
        string=html, base_url=f"http://{PDF_HOST}/", url_fetcher=_media_only
    ).write_pdf()


# ---------------------------------------------------------------------------------------------
# Views


def _version(version: str) -> str:
    if version not in VERSIONS:
        raise Http404("There is no such version of this questionnaire.")
    return version


def _large(request: HttpRequest) -> bool:
    return request.GET.get("print") == "large"


@login_required
def paper_forms(request: HttpRequest, slug: str) -> HttpResponse:
    """Where an officer chooses a version and a print size."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    forms = [paper_form(survey=survey, version=v) for v in VERSIONS]
    return render(
        request,
        "officers/paper_form/choose.html",
        {
            "survey": survey,
            "section": "paper",
            "forms": forms,
            "pdf_available": pdf_available(),
        },
    )


@login_required
def paper_form_page(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The questionnaire as a web page to print (A4)."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    form = paper_form(survey=survey, version=_version(version), large_print=_large(request))
    return HttpResponse(paper_form_html(request, form))


@login_required
def paper_form_download(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The same questionnaire as a PDF, for a print room or mail house."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=PERMISSION)
    form = paper_form(survey=survey, version=_version(version), large_print=_large(request))
    try:
        content = paper_form_pdf(form)
    except PdfUnavailable:
        return render(
            request,
            "officers/paper_form/choose.html",
            {
                "survey": survey,
                "section": "paper",
                "forms": [paper_form(survey=survey, version=v) for v in VERSIONS],
                "pdf_available": False,
            },
            status=503,
        )
    size = "-large-print" if form.large_print else ""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{survey.slug}-questionnaire-{version}{size}.pdf"'
    )
    return response
