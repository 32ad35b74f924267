"""A questionnaire read once into plain objects, so a page, a validation or a
write needs no further queries."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from surveys.models import Area, Question, Questionnaire


@dataclass(frozen=True)
class ItemSpec:
    id: int
    code: str
    text: str
    split_arm: str


@dataclass(frozen=True)
class OptionSpec:
    id: int
    code: str
    label: str
    exclusive: bool


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    code: str
    kind: str
    text: str
    hint: str
    required: bool
    min_choices: int | None
    max_choices: int | None
    min_value: int | None
    max_value: int | None
    max_length: int | None
    items: tuple[ItemSpec, ...] = ()
    options: tuple[OptionSpec, ...] = ()

    def items_for(self, arm: str) -> tuple[ItemSpec, ...]:
        """The grid rows this half of the sample is asked."""
        return tuple(i for i in self.items if not i.split_arm or i.split_arm == arm)

    def option(self, code: str) -> OptionSpec | None:
        return next((o for o in self.options if o.code == code), None)

    def optional(self) -> QuestionSpec:
        """The question as an officer enters it from paper or a call: it may be left
        unanswered (item non-response), whatever residents online must answer."""
        return self if not self.required else replace(self, required=False)


@dataclass(frozen=True)
class PageSpec:
    position: int
    title: str
    intro: str
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class SurveySpec:
    """A questionnaire as one survey's residents see it (areas are the council's)."""

    pages: tuple[PageSpec, ...]
    questions: dict[str, QuestionSpec] = field(default_factory=dict)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def page(self, position: int) -> PageSpec | None:
        if 1 <= position <= len(self.pages):
            return self.pages[position - 1]
        return None

    @cached_property
    def optional_questions(self) -> dict[str, QuestionSpec]:
        """Every question with nothing required, for officers' entry and the import (built
        once per spec: an import validates thousands of rows with it)."""
        return {code: q.optional() for code, q in self.questions.items()}

    @cached_property
    def has_split(self) -> bool:
        """Whether some statement is asked of one half of the sample only (version A or B
        of the paper questionnaire)."""
        return any(item.split_arm for q in self.questions.values() for item in q.items)


PREFER_NOT = OptionSpec(id=0, code="prefer_not", label="Prefer not to say", exclusive=True)


def survey_spec(*, questionnaire: Questionnaire, council_id: int) -> SurveySpec:
    questions = (
        Question.objects.filter(questionnaire=questionnaire)
        .select_related("page")
        .prefetch_related("items", "options")
        .order_by("page__position", "position")
    )
    areas = tuple(
        OptionSpec(id=0, code=a.code, label=a.name, exclusive=False)
        for a in Area.objects.filter(council_id=council_id)
    )
    by_page: dict[int, list[QuestionSpec]] = {}
    titles: dict[int, tuple[str, str]] = {}
    for q in questions:
        options = tuple(
            OptionSpec(id=o.id, code=o.code, label=o.label, exclusive=o.exclusive)
            for o in q.options.all()
        )
        if q.kind == Question.Kind.AREA:
            options = (*areas, PREFER_NOT)
        spec = QuestionSpec(
            id=q.id,
            code=q.code,
            kind=q.kind,
            text=q.text,
            hint=q.hint,
            required=q.required,
            min_choices=q.min_choices,
            max_choices=q.max_choices,
            min_value=q.min_value,
            max_value=q.max_value,
            max_length=q.max_length,
            items=tuple(
                ItemSpec(id=i.id, code=i.code, text=i.text, split_arm=i.split_arm)
                for i in q.items.all()
            ),
            options=options,
        )
        by_page.setdefault(q.page.position, []).append(spec)
        titles[q.page.position] = (q.page.title, q.page.intro)
    # Pages are numbered 1..N as residents see them, whatever positions the admin used.
    pages = tuple(
        PageSpec(position=n, title=titles[p][0], intro=titles[p][1], questions=tuple(qs))
        for n, (p, qs) in enumerate(sorted(by_page.items()), start=1)
    )
    return SurveySpec(pages=pages, questions={q.code: q for p in pages for q in p.questions})
