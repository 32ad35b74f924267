"""Pure statistics for comparing a council's results with the national baseline.

Nothing here imports Django: functions take counts (or weight sums) and return numbers, so they
can be checked against an independent implementation (R's ``survey`` and ``stats`` packages, and
statsmodels) in ``tests/results``.

Proportions are in 0..1 throughout; only :func:`size_label` speaks percentage points, because
that is how reports phrase the size of a gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# qnorm(0.975) in R, written out so that no statistics library is needed at runtime.
Z95 = 1.959963984540054

# A base below this is shown with a "low base" flag: percentages on fewer than 50 people move
# by several points if one or two answers change.
LOW_BASE = 50

# A subgroup cell with fewer respondents than this is not shown anywhere (screens or exports),
# so that a small group of residents cannot be recognised from their answers.
SUPPRESS_BELOW = 10


@dataclass(frozen=True)
class Proportion:
    """A (possibly weighted) percentage with its 95% Wilson interval.

    ``base_effective`` is the Kish effective base the interval was computed on; for unweighted
    data it is the number of respondents.
    """

    p: float
    ci_low: float
    ci_high: float
    base_effective: float


@dataclass(frozen=True)
class Difference:
    """Local minus national, in proportion units, with its test against zero."""

    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


def is_low_base(n: float) -> bool:
    """Whether a base is small enough that its percentages should carry a warning."""
    return n < LOW_BASE


def is_suppressed(n: float) -> bool:
    """Whether a subgroup cell is too small to show at all (disclosure control)."""
    return n < SUPPRESS_BELOW


def wilson_interval(successes: float, n: float, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as ``prop.test(x, n, correct = FALSE)`` gives it.

    Wilson rather than the textbook Wald interval because Wald collapses to zero width at 0% and
    100% and undercovers for small bases, both common in council subgroups. ``successes`` and
    ``n`` may be non-integer: with weighted data they are ``p * n_eff`` and the Kish effective
    base.
    """
    if not n > 0:
        raise ValueError(f"A confidence interval needs a base above zero; got n={n!r}.")
    if not 0 <= successes <= n:
        raise ValueError(
            f"The number of successes must lie between 0 and the base; got {successes!r} of {n!r}."
        )
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0 and n the bound is 0 or 1 exactly in theory; rounding can leave a 1e-17 residue that
    # would print as "-0.0%", so pin the edges as prop.test does.
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return low, high


def effective_base(sum_w: float, sum_w2: float) -> float:
    """Kish effective base, ``(sum w)^2 / sum w^2``.

    The number of equally weighted respondents that would give the same precision; weighting
    always costs some, and confidence intervals must be computed on this, not the raw count.
    """
    if not sum_w2 > 0:
        raise ValueError(f"The sum of squared weights must be above zero; got {sum_w2!r}.")
    return sum_w * sum_w / sum_w2


def effective_base_of(weights: Iterable[float]) -> float:
    """Kish effective base of a sequence of weights."""
    values = [float(w) for w in weights]
    return effective_base(math.fsum(values), math.fsum(w * w for w in values))


def weighting_efficiency(weights: Iterable[float]) -> float:
    """Kish efficiency, effective base over respondents (1.0 means weighting cost nothing)."""
    values = [float(w) for w in weights]
    if not values:
        raise ValueError("Weighting efficiency needs at least one weight.")
    return effective_base_of(values) / len(values)


def weighted_proportion(*, sum_w_yes: float, sum_w: float, sum_w2: float) -> Proportion:
    """Weighted proportion with a Wilson interval on the Kish effective base.

    Takes sums rather than arrays so that the database can aggregate (``SUM(w)``,
    ``SUM(w*w)``) without loading answers into Python. ``sum_w2`` is over the same respondents
    as ``sum_w`` (the base of the question), not only those answering yes.
    """
    if not sum_w > 0:
        raise ValueError(f"The sum of weights must be above zero; got {sum_w!r}.")
    if not 0 <= sum_w_yes <= sum_w * (1 + 1e-12):
        raise ValueError(
            f"The weighted count must lie between 0 and the sum of weights; "
            f"got {sum_w_yes!r} of {sum_w!r}."
        )
    p = min(sum_w_yes / sum_w, 1.0)
    n_eff = effective_base(sum_w, sum_w2)
    low, high = wilson_interval(p * n_eff, n_eff)
    return Proportion(p=p, ci_low=low, ci_high=high, base_effective=n_eff)


def proportion(successes: float, n: float) -> Proportion:
    """Unweighted proportion: the weighted case with every weight 1."""
    return weighted_proportion(sum_w_yes=successes, sum_w=n, sum_w2=n)


def _normal_two_sided_p(z: float) -> float:
    # erfc keeps precision in the far tail, where 1 - erf(...) would round to 0.
    return math.erfc(abs(z) / math.sqrt(2))


def difference_test(
    *,
    p_local: float,
    n_local: float,
    p_national: float,
    n_national: float,
    national_design_effect: float = 1.0,
    z: float = Z95,
) -> Difference:
    """Test a local proportion against a national one from an independent sample.

    Uses the unpooled (Wald) standard error of a difference of two independent proportions,
    ``sqrt(p1(1-p1)/n1 + p2(1-p2)/(n2/deff))``: unpooled because the two populations are not
    assumed to share one rate, so the same SE serves the test and the interval.

    ``n_local`` is the local Kish effective base (its design effect is already in it).
    ``n_national`` is the national base the figure was computed on, the split-sample base where
    the question was asked of part of the sample, and ``national_design_effect`` shrinks it to
    an effective base.

    When both sides are 0% or 100% the SE is zero and there is nothing to test: the p-value is 1
    if the two are equal and 0 otherwise (any sample showing a difference from a certainty is
    evidence against it), z is 0 or plus/minus infinity, and the interval is the point.
    """
    for name, value in (("p_local", p_local), ("p_national", p_national)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a proportion between 0 and 1; got {value!r}.")
    for name, value in (("n_local", n_local), ("n_national", n_national)):
        if not value > 0:
            raise ValueError(f"{name} must be above zero; got {value!r}.")
    if not national_design_effect > 0:
        raise ValueError(
            f"national_design_effect must be above zero; got {national_design_effect!r}."
        )

    n_national_effective = n_national / national_design_effect
    difference = p_local - p_national
    se = math.sqrt(
        p_local * (1 - p_local) / n_local + p_national * (1 - p_national) / n_national_effective
    )
    if se == 0:
        if difference == 0:
            return Difference(difference=0.0, ci_low=0.0, ci_high=0.0, z=0.0, p_value=1.0)
        return Difference(
            difference=difference,
            ci_low=difference,
            ci_high=difference,
            z=math.copysign(math.inf, difference),
            p_value=0.0,
        )
    z_stat = difference / se
    return Difference(
        difference=difference,
        ci_low=difference - z * se,
        ci_high=difference + z * se,
        z=z_stat,
        p_value=_normal_two_sided_p(z_stat),
    )


def verdict(p_value: float, difference: float, *, alpha: float = 0.05) -> str:
    """Plain-words result of a difference test, as printed next to the figures."""
    if p_value < alpha and difference > 0:
        return "significantly higher"
    if p_value < alpha and difference < 0:
        return "significantly lower"
    return "no significant difference"


def size_label(difference_points: float) -> str:
    """Describe the size of a gap in percentage points, whatever its significance.

    Bands of 10 and 20 points follow how community-survey benchmark reports present gaps.
    """
    if difference_points >= 20:
        return "much higher"
    if difference_points >= 10:
        return "higher"
    if difference_points <= -20:
        return "much lower"
    if difference_points <= -10:
        return "lower"
    return "similar"
