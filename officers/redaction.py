"""Finding likely personal data in a resident's comment, and masking it.

The questionnaire asks residents not to give their name or contact details, and some do all
the same. Before a comment is quoted on the public page or exported, a research officer takes
it through the redaction step (officers.comments.comment_redact): this module flags what
looks like personal data, with the reason, and the officer masks each flag or keeps it (a
flag is a guess: "Rose Lane" may be a street, "Grace" a name or a word), and may mask any
further text it missed.

What is flagged: e-mail addresses, UK telephone numbers, UK postcodes, house numbers with
their street ("12 Acacia Avenue", "flat 3") and street names, and names: capitalised words
after a title (Mr, Mrs, Ms, Dr...), after "my name is", "I'm" and the like, and common first
names from a short list. Masking replaces each with its kind in brackets: "[name]", "[email]".

Plain Python and regular expressions, no Django and nothing sent anywhere: comments never
leave the machine to be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL, PHONE, POSTCODE, ADDRESS, NAME, OTHER = (
    "email",
    "phone",
    "postcode",
    "address",
    "name",
    "other",
)
# What a masked span reads, by kind.
MASKS = {
    EMAIL: "[email]",
    PHONE: "[phone]",
    POSTCODE: "[postcode]",
    ADDRESS: "[address]",
    NAME: "[name]",
    OTHER: "[removed]",
}
KIND_LABELS = {
    EMAIL: "E-mail address",
    PHONE: "Telephone number",
    POSTCODE: "Postcode",
    ADDRESS: "House number or street",
    NAME: "Name",
    OTHER: "Text the officer masked",
}


@dataclass(frozen=True)
class Span:
    """A stretch of the comment that looks like personal data: ``text[start:end]``."""

    start: int
    end: int
    kind: str
    text: str
    reason: str

    @property
    def mask(self) -> str:
        return MASKS[self.kind]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Candidates only: the digits are counted afterwards (a UK number has 10 or 11 from its 0).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,5}\)?(?:[\s-]?\d{2,4}){1,3}(?![\w])"
)
# The outward code (letters, a digit, perhaps a digit or letter), the inward code (a digit
# and two letters). Upper or lower case: residents type both.
_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|place|pl"
    "|gardens|gdns|grove|terrace|hill|square|sq|row|walk|mews|rise|parade|green|vale|view"
)
_STREET = re.compile(
    r"\b(?:(?P<number>\d{1,4}[A-Za-z]?),?\s+)?"
    r"(?P<words>(?:[A-Z][A-Za-z'’-]+\s+){1,3})"
    rf"(?i:{_STREET_TYPES})\b"
)
# A number, one or two lower-case words, a street type: "12 acacia avenue" (but not "2014
# the road", nor "3 calls on our road").
_SMALL_WORDS = "the|a|an|our|my|your|their|this|that|on|in|at|of|to|and|or|from|calls|times"
_HOUSE_NUMBER_STREET = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:(?!(?:{_SMALL_WORDS})\b)[a-z'’-]+\s+){{1,2}}"
    rf"(?i:{_STREET_TYPES})\b"
)
_FLAT = re.compile(
    r"\b(?i:flat|apartment|apt\.?|unit|house number|number|no\.)\s*\d{1,4}[A-Za-z]?\b"
)
_CAPITALISED = r"[A-Z][a-z'’-]+(?:[ -][A-Z][a-z'’-]+)?"
_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Cllr|Councillor|Sir|Dame"
_TITLE = re.compile(rf"\b(?:{_TITLES})\.?\s+{_CAPITALISED}")
_INTRODUCED = re.compile(
    r"(?i:\bmy name is|\bmy name's|\bi am|\bi'm|\bi’m|\bcalled|\bnamed|\bsigned|\bregards,?"
    r"|\bthanks,|\bspoke to|\bspeak to|\bask for|\bmy (?:son|daughter|husband|wife|partner"
    r"|mum|mother|dad|father|neighbour|carer)(?:,)?)"
    rf"\s+(?P<name>{_CAPITALISED})"
)
# Capitalised words after "I am" that are not names.
_NOT_NAMES = {
    "A",
    "An",
    "The",
    "British",
    "English",
    "Scottish",
    "Welsh",
    "Irish",
    "Disabled",
    "Retired",
    "Unemployed",
    "Not",
    "Very",
    "So",
    "Also",
    "Still",
    "Now",
    "Just",
    "Really",
    "Happy",
    "Sorry",
    "Pleased",
    "Glad",
    "Council",
    "Christian",
    "Muslim",
    "Jewish",
    "Hindu",
    "Sikh",
}
# Common first names in England and Wales, leaving out those that are also everyday words
# (Will, Mark, Grace, Hope, May, Rose...), which would flag too often to help.
FIRST_NAMES = frozenset(
    """
    Aaron Adam Aisha Alan Albert Alex Alexander Alfie Alice Alison Amanda Amelia Amy Andrew
    Angela Ann Anna Anne Anthony Arthur Barbara Ben Benjamin Brian Carol Caroline Catherine
    Charles Charlie Charlotte Chloe Chris Christine Christopher Claire Colin Craig Daniel
    Darren David Dean Deborah Denise Diane Donna Dorothy Edward Eileen Elizabeth Ella Emily
    Emma Eric Ethan Freddie Gary Gemma George Geoffrey Graham Hannah Harry Harriet Helen Ian
    Isabella Isla Jack Jacob Jake James Jane Janet Jason Jean Jennifer Jessica Joan Joanne John
    Jonathan Joseph Joshua Julie Karen Kathleen Kevin Laura Lauren Leo Linda Lisa Liam Louise
    Lucy Luke Margaret Maria Martin Mary Matthew Michael Michelle Mohammed Mohammad Muhammad
    Nicola Nicholas Noah Oliver Olivia Oscar Patricia Paul Pauline Peter Philip Priya Rachel
    Rebecca Richard Robert Ryan Samantha Samuel Sandra Sarah Scott Sharon Simon Sophie Stephen
    Steven Stuart Susan Thomas Tracey Tracy Victoria Wendy William Yusuf Zara
    """.split()  # noqa: SIM905 (a list of words reads better as words)
)
_LISTED_NAME = re.compile(
    r"\b(?P<first>" + "|".join(sorted(FIRST_NAMES, key=len, reverse=True)) + r")\b"
    r"(?:\s+(?P<surname>[A-Z][a-z'’-]+))?"
)
_LEADING_WORDS = {"The", "A", "An", "My", "Our", "This", "That", "On", "In", "At", "Of", "And"}


def _phone_digits_ok(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if candidate.lstrip().startswith("+44"):
        digits = "0" + digits[2:].removeprefix("0")
    return digits.startswith("0") and len(digits) in (10, 11)


def _find_all(text: str) -> Iterable[Span]:
    for m in _EMAIL.finditer(text):
        yield Span(m.start(), m.end(), EMAIL, m.group(), "looks like an e-mail address")
    for m in _PHONE.finditer(text):
        if _phone_digits_ok(m.group()):
            yield Span(m.start(), m.end(), PHONE, m.group(), "looks like a UK telephone number")
    for m in _POSTCODE.finditer(text):
        yield Span(m.start(), m.end(), POSTCODE, m.group(), "looks like a UK postcode")
    for m in _FLAT.finditer(text):
        yield Span(m.start(), m.end(), ADDRESS, m.group(), "looks like a flat or house number")
    for m in _HOUSE_NUMBER_STREET.finditer(text):
        yield Span(m.start(), m.end(), ADDRESS, m.group(), "a house number with a street")
    for m in _STREET.finditer(text):
        start = m.start()
        reason = "a house number with a street" if m.group("number") else "looks like a street"
        if not m.group("number"):
            # "The Road", "On Station Road": the leading small words are not the street's.
            words = m.group("words").split()
            while words and words[0] in _LEADING_WORDS:
                start = text.index(words[0], start) + len(words[0])
                words.pop(0)
                while text[start].isspace():
                    start += 1
            if not words:
                continue
        yield Span(start, m.end(), ADDRESS, text[start : m.end()], reason)
    for m in _TITLE.finditer(text):
        yield Span(m.start(), m.end(), NAME, m.group(), "a title and a name")
    for m in _INTRODUCED.finditer(text):
        name = m.group("name")
        first = re.split(r"[ -]", name)[0]
        if first in _NOT_NAMES:
            continue
        yield Span(
            m.start("name"), m.end("name"), NAME, name, "a capitalised word where a name goes"
        )
    for m in _LISTED_NAME.finditer(text):
        yield Span(m.start(), m.end(), NAME, m.group(), "a common first name")


def personal_data_find(text: str) -> list[Span]:
    """Every stretch of ``text`` that looks like personal data, in order and not overlapping
    (where two overlap, the longer one is kept, so "12 Acacia Avenue" is one address)."""
    found = sorted(_find_all(text), key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in found:
        if kept and span.start < kept[-1].end:
            if span.end - span.start > kept[-1].end - kept[-1].start:
                kept[-1] = span
            continue
        kept.append(span)
    # Replacing one span by a longer one may make it touch the next: keep them apart.
    out: list[Span] = []
    for span in kept:
        if out and span.start < out[-1].end:
            continue
        out.append(span)
    return out


def phrases_find(text: str, phrases: Iterable[str]) -> list[Span]:
    """Every place where one of ``phrases`` (text the officer chose to mask) occurs, whatever
    its case."""
    spans = []
    for phrase in {p.strip() for p in phrases if p.strip()}:
        for m in re.finditer(re.escape(phrase), text, re.IGNORECASE):
            spans.append(Span(m.start(), m.end(), OTHER, m.group(), "chosen by the officer"))
    return spans


def mask(text: str, spans: Iterable[Span]) -> str:
    """The text with every span replaced by its mask ("[email]"). Overlapping spans are
    merged into the first one's mask."""
    out: list[str] = []
    at = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= at:
            continue
        if span.start >= at:
            out.append(text[at : span.start])
            out.append(span.mask)
        at = max(at, span.end)
    out.append(text[at:])
    return "".join(out)
