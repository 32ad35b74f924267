"""How figures are written in words and digits, the same way everywhere (pages, PDF, exports).
Pure: no Django imports.

``approximate_words`` words a proportion as the 2014 report words its approximate figures
("almost three in ten", "around half"); ``percent_text`` and ``signed_points`` never print
"-0" (a value that rounds to zero is written "0").
"""

from __future__ import annotations

from fractions import Fraction

_NUMBERS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}
# Within this many percentage points of a fraction the figure is "around" it; otherwise
# "almost" (just under) or "just over" (just above) the nearest fraction.
_AROUND = 1.0


def _fraction_words(f: Fraction) -> str:
    if f == Fraction(1, 2):
        return "half"
    if f == Fraction(1, 4):
        return "a quarter"
    if f == Fraction(3, 4):
        return "three quarters"
    if f == Fraction(1, 3):
        return "a third"
    if f == Fraction(2, 3):
        return "two thirds"
    if f == 0:
        return "none"
    if f == 1:
        return "all"
    return f"{_NUMBERS[f.numerator]} in {_NUMBERS[f.denominator]}"


def _candidates() -> list[Fraction]:
    seen = {Fraction(n, 10) for n in range(0, 11)}
    seen |= {Fraction(1, 4), Fraction(3, 4), Fraction(1, 3), Fraction(2, 3)}
    return sorted(seen)


def approximate_words(percent: float) -> str:
    """A percentage (0-100) in the report's words: "almost three in ten" for 28.6,
    "around half" for 50.4, "just over a third" for 35.2."""
    if percent is None:
        raise ValueError("No figure to word.")
    if not 0 <= percent <= 100:
        raise ValueError(f"{percent} is not a percentage between 0 and 100.")
    nearest = min(_candidates(), key=lambda f: (abs(percent - 100 * float(f)), f.denominator))
    words = _fraction_words(nearest)
    gap = percent - 100 * float(nearest)
    if nearest in (0, 1):
        if abs(gap) < 0.5:
            return words
        return "almost none" if nearest == 0 else "almost all"
    if abs(gap) <= _AROUND:
        return f"around {words}"
    return f"almost {words}" if gap < 0 else f"just over {words}"


def _no_negative_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and not text.strip("-0.%") else text


def percent_text(value: float | None, places: int = 0) -> str:
    """ "29%"; "" for no figure; never "-0%"."""
    if value is None:
        return ""
    return _no_negative_zero(f"{value:.{places}f}%")


def signed_points(value: float | None, places: int = 0) -> str:
    """A difference in points with its sign: "+4", "-3", and "0" (never "-0" or "+0")."""
    if value is None:
        return ""
    text = f"{value:+.{places}f}"
    if not text.strip("+-0."):
        return text[1:]
    return text


def number_text(value: float | None, places: int = 0) -> str:
    """A plain number, "" for none, never "-0"."""
    if value is None:
        return ""
    return _no_negative_zero(f"{value:.{places}f}")


def p_text(value: float | None) -> str:
    """A p-value to four places: "0.0036", "<0.0001" below that, "" for none."""
    if value is None:
        return ""
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def p_words(p_value: float | None, p_adjusted: float | None) -> str:
    """A test's p-values in words, on its own and after adjustment: "p = 0.0036, adjusted
    0.0071" ("" when nothing was tested; no "adjusted" when the adjustment changed nothing)."""
    if p_value is None:
        return ""
    text = f"p = {p_text(p_value)}"
    if p_adjusted is not None and p_adjusted != p_value:
        text += f", adjusted {p_text(p_adjusted)}"
    return text
