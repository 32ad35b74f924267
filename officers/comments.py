"""Residents' comments: reading them, coding them against the survey's coding frame, the
redaction step, and the theme counts.

A comment is a resident's answer to a free-text question (``Answer.text_value`` of a
question of kind text, in the 2014 questionnaire ``COMMENTS``) in a complete response.
Comments are response-level data: they are read, coded and redacted by research officers
only (permissions ``comments.read`` and ``comments.code``), and every reading is in the audit
trail, as every change is.

- Coding: the survey's coding frame (``Theme``) is written and edited as officers read; a
  comment has as many themes as it needs (``CommentCoding.themes``). Suggestions are made on
  this machine from the themes' names and keywords (:func:`theme_suggestions`); the officer
  accepts each one by ticking it.
- Redaction: a comment is quoted on the public page or exported only after an officer took it
  through the redaction step (officers.redaction flags what looks like personal data; the
  officer masks or keeps each flag), and only as redacted.
- Theme counts: how many coded comments carry each theme, overall and by group (the
  breakdowns the report offers), under the one disclosure policy (results.disclosure).

Erasing a response deletes its answers and, with them, their coding; the export files that
hold it are deleted as every export is (officers.services.exports_erase_for).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from officers import redaction
from officers.errors import OfficerError
from officers.models import CommentCoding, Theme
from results import disclosure
from results.selectors import COUNTED
from surveys.audit import audit_log
from surveys.models import Answer, Question, Survey

READ = "comments.read"
CODE = "comments.code"
PER_PAGE = 25
# Filters of the list of comments.
UNCODED, PENDING, REDACTED = "uncoded", "pending", "redacted"
STATUS_FILTERS = {
    UNCODED: "Not coded yet",
    PENDING: "Waiting for the redaction step",
    REDACTED: "Redaction done",
}


# ---------------------------------------------------------------------------------------------
# Reads


def comments_for_survey(
    *, survey: Survey, theme_id: int | None = None, status: str = ""
) -> QuerySet[Answer]:
    """The survey's comments in complete responses, newest first, with their coding."""
    comments = (
        Answer.objects.filter(
            survey=survey,
            question__kind=Question.Kind.TEXT,
            response__status=COUNTED,
        )
        .exclude(text_value="")
        .select_related("question", "coding")
        .prefetch_related(Prefetch("coding__themes", queryset=Theme.objects.all()))
        .order_by("-response__submitted_at", "-pk")
    )
    if theme_id:
        comments = comments.filter(coding__themes=theme_id)
    if status == UNCODED:
        comments = comments.filter(Q(coding__isnull=True) | Q(coding__themes__isnull=True))
    elif status == PENDING:
        comments = comments.filter(
            Q(coding__isnull=True) | Q(coding__redaction=CommentCoding.Redaction.PENDING)
        )
    elif status == REDACTED:
        comments = comments.exclude(coding__isnull=True).exclude(
            coding__redaction=CommentCoding.Redaction.PENDING
        )
    return comments.distinct()


def comment_for_officer(*, survey: Survey, pk: int) -> Answer:
    """One comment of this survey; 404 for any other id (another survey's, another council's,
    an answer that is not a comment, or a voided response's)."""
    comment = comments_for_survey(survey=survey).filter(pk=pk).first()
    if comment is None:
        raise Http404("There is no comment at this address that you can see.")
    return comment


def coding_of(comment: Answer) -> CommentCoding | None:
    try:
        return comment.coding
    except CommentCoding.DoesNotExist:
        return None


@dataclass(frozen=True)
class CommentTotals:
    comments: int
    coded: int
    redacted: int

    @property
    def waiting(self) -> int:
        return self.comments - self.redacted


def comment_totals(*, survey: Survey) -> CommentTotals:
    comments = comments_for_survey(survey=survey)
    return CommentTotals(
        comments=comments.count(),
        coded=comments.filter(coding__themes__isnull=False).count(),
        redacted=comments_for_survey(survey=survey, status=REDACTED).count(),
    )


def themes_for_survey(*, survey: Survey) -> QuerySet[Theme]:
    return Theme.objects.filter(survey=survey)


def theme_for_officer(*, survey: Survey, pk: int) -> Theme:
    theme = themes_for_survey(survey=survey).filter(pk=pk).first()
    if theme is None:
        raise Http404("There is no theme at this address that you can see.")
    return theme


def _terms(theme: Theme) -> list[str]:
    words = re.findall(r"[a-z][a-z'-]+", theme.name.lower())
    keywords = [k.strip().lower() for k in theme.keywords.split(",") if k.strip()]
    return [w for w in words if len(w) >= 4 and w not in _COMMON_WORDS] + keywords


_COMMON_WORDS = {"about", "with", "more", "less", "from", "their", "there", "other", "services"}


def _term_pattern(term: str) -> re.Pattern[str]:
    # Good enough stemming for English plurals and endings: "library" finds "libraries".
    stem = term[: max(5, len(term) - 2)] if len(term) > 5 else term
    return re.compile(r"\b" + re.escape(stem), re.IGNORECASE)


def theme_suggestions(text: str, themes: list[Theme]) -> dict[int, str]:
    """The themes whose name or keywords the comment uses, each with the word that suggested
    it. Worked out here, from the coding frame alone: nothing is sent anywhere."""
    suggested: dict[int, str] = {}
    for theme in themes:
        for term in _terms(theme):
            if m := _term_pattern(term).search(text):
                end = text.find(" ", m.start())
                suggested[theme.pk] = text[m.start() : end if end > 0 else None].strip(".,;:!?")
                break
    return suggested


# Theme counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    count: int | None  # None: hidden by the disclosure policy

    @property
    def text(self) -> str:
        return disclosure.count_text(self.count, disclosure.threshold())


@dataclass(frozen=True)
class ThemeCounts:
    coded: int  # complete responses with a coded comment
    shown: bool  # enough of them to show any figure
    rows: list[ThemeCount]

    @property
    def coded_text(self) -> str:
        return disclosure.count_text(self.coded, disclosure.threshold())


def _coded(survey: Survey) -> QuerySet[CommentCoding]:
    return CommentCoding.objects.filter(
        survey=survey, answer__response__status=COUNTED, themes__isnull=False
    )


def theme_counts(*, survey: Survey) -> ThemeCounts:
    """How many respondents' coded comments carry each theme. Each count is a figure about
    residents: under the threshold it reads "fewer than 10", and with fewer coded comments
    than the threshold no count is shown at all."""
    limit = disclosure.threshold()
    coded = _coded(survey).values("answer__response").distinct().count()
    by_theme = dict(
        _coded(survey)
        .values("themes")
        .annotate(n=Count("answer__response", distinct=True))
        .values_list("themes", "n")
    )
    shown = disclosure.selection_shown(coded, limit)
    rows = [
        ThemeCount(
            theme=theme,
            count=by_theme.get(theme.pk, 0)
            if shown and not disclosure.is_hidden(by_theme.get(theme.pk, 0), limit)
            else None,
        )
        for theme in themes_for_survey(survey=survey)
    ]
    return ThemeCounts(coded=coded, shown=shown, rows=rows)


@dataclass(frozen=True)
class GroupColumn:
    code: str
    label: str
    size: int | None  # coded comments in the group, None when hidden

    @property
    def text(self) -> str:
        return disclosure.count_text(self.size, disclosure.threshold())


@dataclass(frozen=True)
class ThemesByGroup:
    question: str
    text: str
    columns: list[GroupColumn]
    rows: list[tuple[Theme, list[str]]]  # each theme's count in each group, as shown


OTHERS = "_others"  # coded commenters in no group (preferred not to say, or no area)


def theme_counts_by_group(*, survey: Survey, question_code: str) -> ThemesByGroup:
    """Each theme's count within each group of a demographic (or the area), as a two-way
    table under the report's rules (results.disclosure.suppress_columns): small groups are
    hidden whole, empty ones alike, and small cells with secondary suppression, so that no
    hidden count can be worked out from the theme's total or the group's."""
    from officers.report import breakdown_categories  # the report's groups, as it offers them

    categories = breakdown_categories(survey=survey, question_code=question_code)
    question = Question.objects.get(questionnaire_id=survey.questionnaire_id, code=question_code)
    if question.kind == Question.Kind.AREA:
        group = F("answer__response__area__code")
    else:
        group = Subquery(
            Answer.objects.filter(
                response=OuterRef("answer__response"), question=question, item__isnull=True
            ).values("option__code")[:1]
        )
    coded = _coded(survey).annotate(group=group)
    sizes_found = dict(
        coded.values("group")
        .annotate(n=Count("answer__response", distinct=True))
        .values_list("group", "n")
    )
    cells_found: dict[tuple[int, str], int] = {
        (theme_id, g): n
        for theme_id, g, n in coded.values("themes", "group")
        .annotate(n=Count("answer__response", distinct=True))
        .values_list("themes", "group", "n")
    }
    totals = theme_counts(survey=survey)
    codes = [code for code, _ in categories]
    sizes = {code: sizes_found.get(code, 0) for code in codes}
    others = totals.coded - sum(sizes.values())
    if others > 0:
        sizes[OTHERS] = others
    themes = [row.theme for row in totals.rows]
    grid = []
    for theme in themes:
        cells = {code: cells_found.get((theme.pk, code), 0) for code in codes}
        if others > 0:
            overall = sum(n for (t, _), n in cells_found.items() if t == theme.pk)
            cells[OTHERS] = overall - sum(cells.values())
        grid.append(cells)
    limit = disclosure.threshold()
    if not totals.shown:
        shown_sizes = dict.fromkeys(sizes)
        shown_cells = [dict.fromkeys(cells) for cells in grid]
    else:
        shown_sizes, shown_cells = disclosure.suppress_columns(grid, sizes, limit)
    columns = [GroupColumn(code, label, shown_sizes[code]) for code, label in categories]
    rows = [
        (theme, [disclosure.count_text(cells[code], limit) for code in codes])
        for theme, cells in zip(themes, shown_cells, strict=True)
    ]
    return ThemesByGroup(question=question_code, text=question.text, columns=columns, rows=rows)


# Quoting and exporting: redacted comments only --------------------------------------------------


@dataclass(frozen=True)
class RedactedComment:
    question: str
    text: str
    themes: list[str]
    redaction: str


def comments_for_export(
    *, survey: Survey, seed: int | None = None, chunk_size: int = 2000
) -> Iterator[RedactedComment]:
    """Every comment that went through the redaction step, as redacted, with its themes, in
    a random order (so that the file's order says nothing about when anyone answered).
    Comments still waiting for the step are left out.

    Read in chunks of ``chunk_size``: only the comments' ids are held all at once (to shuffle
    them), so a file of a hundred thousand comments is written without them all in memory."""
    codings = CommentCoding.objects.filter(survey=survey, answer__response__status=COUNTED).exclude(
        redaction=CommentCoding.Redaction.PENDING
    )
    ids = list(codings.order_by("pk").values_list("pk", flat=True))
    random.Random(seed).shuffle(ids)
    redactions = dict(CommentCoding.Redaction.choices)
    tagged = CommentCoding.themes.through.objects.order_by(
        "theme__position", "theme__name", "theme__id"
    )  # the themes' own order, as Theme.Meta gives it
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        # Read as values, not model instances: a chunk is two queries and no objects.
        found = {
            pk: (question, text, redaction)
            for pk, question, text, redaction in codings.filter(pk__in=chunk).values_list(
                "pk", "answer__question__text", "redacted_text", "redaction"
            )
        }
        themes: dict[int, list[str]] = {}
        for coding_id, name in tagged.filter(commentcoding_id__in=chunk).values_list(
            "commentcoding_id", "theme__name"
        ):
            themes.setdefault(coding_id, []).append(name)
        for pk in chunk:
            if pk not in found:  # erased since the ids were read: never in the file
                continue
            question, text, redaction = found[pk]
            yield RedactedComment(
                question=question,
                text=text,
                themes=themes.get(pk, []),
                redaction=redactions[redaction],
            )


def quoted_comments(*, survey: Survey) -> list[str]:
    """The redacted comments chosen for the public page (never one still to be redacted)."""
    return list(
        CommentCoding.objects.filter(survey=survey, quoted=True, answer__response__status=COUNTED)
        .exclude(redaction=CommentCoding.Redaction.PENDING)
        .order_by("pk")
        .values_list("redacted_text", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# Writes (each one audited)


def comments_read_log(*, survey: Survey, user: AbstractBaseUser, **detail) -> None:
    """Reading comments is reading response-level data: it goes in the audit trail."""
    audit_log(actor=user, action="comments.read", survey=survey, **detail)


def _coding_for(comment: Answer) -> CommentCoding:
    coding, _ = CommentCoding.objects.select_for_update().get_or_create(
        answer=comment, defaults={"survey_id": comment.survey_id}
    )
    return coding


def comment_code(*, comment: Answer, user: AbstractBaseUser, theme_ids: list[int]) -> CommentCoding:
    """Code a comment with these themes of its survey's frame (none: not coded)."""
    themes = list(Theme.objects.filter(survey_id=comment.survey_id, pk__in=theme_ids))
    if len(themes) != len(set(theme_ids)):
        raise OfficerError("Choose themes from this survey's coding frame.")
    with transaction.atomic():
        coding = _coding_for(comment)
        coding.themes.set(themes)
        coding.coded_by, coding.coded_at = user, timezone.now()
        coding.save(update_fields=["coded_by", "coded_at"])
        audit_log(
            actor=user,
            action="comment.coded",
            survey=comment.survey,
            comment=comment.pk,
            themes=sorted(t.pk for t in themes),
        )
    return coding


def comment_redact(
    *, comment: Answer, user: AbstractBaseUser, kept: set[int], phrases: list[str]
) -> CommentCoding:
    """The redaction step: every flag of officers.redaction is masked except those the
    officer keeps (by their place in the list), and the phrases the officer adds are masked
    too. With nothing masked the comment is confirmed clean."""
    flags = redaction.personal_data_find(comment.text_value)
    if any(i < 0 or i >= len(flags) for i in kept):
        raise OfficerError("The comment's flags have changed: look at them again.")
    phrases = [p.strip() for p in phrases if p.strip()]
    extra = redaction.phrases_find(comment.text_value, phrases)
    missing = [p for p in phrases if not re.search(re.escape(p), comment.text_value, re.I)]
    if missing:
        raise OfficerError(f"“{missing[0]}” is not in the comment: copy it exactly as it is.")
    masked = [span for i, span in enumerate(flags) if i not in kept] + extra
    with transaction.atomic():
        coding = _coding_for(comment)
        coding.redacted_text = redaction.mask(comment.text_value, masked)
        coding.redaction = (
            CommentCoding.Redaction.MASKED if masked else CommentCoding.Redaction.CLEAN
        )
        coding.redacted_by, coding.redacted_at = user, timezone.now()
        coding.save(update_fields=["redacted_text", "redaction", "redacted_by", "redacted_at"])
        kinds: dict[str, int] = {}
        for span in masked:
            kinds[span.kind] = kinds.get(span.kind, 0) + 1
        audit_log(
            actor=user,
            action="comment.redacted",
            survey=comment.survey,
            comment=comment.pk,
            redaction=coding.redaction,
            masked=kinds,
            flags_kept=len(kept),
        )
    return coding


def comment_quote(*, comment: Answer, user: AbstractBaseUser, quoted: bool) -> CommentCoding:
    """Quote the comment on the public "what you told us" page (as redacted), or stop."""
    with transaction.atomic():
        coding = _coding_for(comment)
        if quoted and not coding.is_redacted:
            raise OfficerError(
                "Take the comment through the redaction step before quoting it on the public page."
            )
        coding.quoted = quoted
        coding.save(update_fields=["quoted"])
        audit_log(
            actor=user,
            action="comment.quoted" if quoted else "comment.unquoted",
            survey=comment.survey,
            comment=comment.pk,
        )
    return coding


def theme_save(
    *,
    survey: Survey,
    user: AbstractBaseUser,
    name: str,
    description: str = "",
    keywords: str = "",
    theme: Theme | None = None,
) -> Theme:
    """Add a theme to the survey's coding frame, or change one."""
    name = " ".join(name.split())
    if not name:
        raise OfficerError("Enter the theme's name.")
    clash = Theme.objects.filter(survey=survey, name__iexact=name)
    if theme is not None:
        clash = clash.exclude(pk=theme.pk)
    if clash.exists():
        raise OfficerError(f"The coding frame already has a theme called “{name}”.")
    with transaction.atomic():
        if theme is None:
            last = Theme.objects.filter(survey=survey).order_by("-position").first()
            theme = Theme(survey=survey, position=(last.position + 1) if last else 0)
        theme.name, theme.description, theme.keywords = name, description.strip(), keywords
        theme.save()
        audit_log(
            actor=user, action="comment_theme.saved", survey=survey, theme=theme.pk, name=name
        )
    return theme


def theme_delete(*, theme: Theme, user: AbstractBaseUser) -> int:
    """Take a theme out of the coding frame; the comments coded with it lose it. Returns how
    many comments had it."""
    with transaction.atomic():
        had = theme.codings.count()
        audit_log(
            actor=user,
            action="comment_theme.deleted",
            survey=theme.survey,
            theme=theme.pk,
            name=theme.name,
            comments=had,
        )
        theme.delete()
    return had
