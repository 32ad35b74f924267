"""Pure statistics for comparing a council's results with the national baseline.

Nothing here imports Django: functions take counts (or weight sums) and return numbers, so they
can be checked against an independent implementation (R's ``survey`` and ``stats`` packages, and
statsmodels) in ``tests/results``.

Proportions are in 0..1 throughout; only :func:`size_label` speaks percentage points, because
that is how reports phrase the size of a gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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

    ``base_effective`` is the effective base the interval was computed on: the number of
    respondents for unweighted data, the Kish effective base, or the base implied by the
    design-based variance of raked weights (:func:`raked_proportion`).
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


def _z_of_alpha(alpha: float) -> float:
    """The two-sided normal quantile: the z with ``erfc(z / sqrt 2) = alpha``, by bisection
    (no statistics library at runtime)."""
    low, high = 0.0, 40.0
    for _ in range(64):
        mid = (low + high) / 2
        if _normal_two_sided_p(mid) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def newcombe_interval(
    *, p1: float, n1: float, p2: float, n2: float, z: float = Z95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``p1 - p2`` (Newcombe 1998, method 10).

    Each side's Wilson interval ``(l, u)`` is combined as
    ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``, so the
    interval for the difference is wide where either side's interval is wide: a 100% from one
    response has a Wilson interval from 21% to 100%, and the difference interval inherits it.
    ``n1`` and ``n2`` may be effective (non-integer) bases.
    """
    l1, u1 = wilson_interval(p1 * n1, n1, z=z)
    l2, u2 = wilson_interval(p2 * n2, n2, z=z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)


def _newcombe_z(*, p1: float, n1: float, p2: float, n2: float) -> float:
    """The normal deviate of the p-value consistent with the interval: the z at which the
    bound of the interval nearer zero reaches it, so that ``p = erfc(z / sqrt 2)`` is the
    largest alpha at which the ``1 - alpha`` interval still contains zero.

    The bound nearer zero moves monotonically towards zero as z grows (both Wilson intervals
    widen), so there is one crossing. It is found by the Illinois variant of regula falsi, with
    a bisection step every fourth step so that it never stalls; ``p < alpha`` exactly when the
    interval at level ``1 - alpha`` excludes zero.
    """
    d = p1 - p2
    if d == 0:
        return 0.0

    def gap(z: float) -> float:
        # The distance of the bound nearer zero from zero, positive while it excludes zero.
        low, high = newcombe_interval(p1=p1, n1=n1, p2=p2, n2=n2, z=z)
        return low if d > 0 else -high

    a, b = 0.0, 40.0
    fa, fb = abs(d), gap(b)
    if fb > 0:
        return math.inf  # beyond double precision of the normal tail
    side = 0
    for step in range(400):
        c = (a * fb - b * fa) / (fb - fa) if fb != fa else a
        if step % 4 == 3 or not a < c < b:
            c = (a + b) / 2  # a bisection step now and then: never stuck at one end
        fc = gap(c)
        if fc > 0:
            a, fa = c, fc
            if side == -1:
                fb /= 2
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        if fc == 0:
            return c
        if b - a < 1e-13:
            break
    return (a + b) / 2


def _newcombe_p(*, p1: float, n1: float, p2: float, n2: float) -> float:
    """The p-value consistent with Newcombe's interval (see :func:`_newcombe_z`)."""
    z = _newcombe_z(p1=p1, n1=n1, p2=p2, n2=n2)
    return 0.0 if math.isinf(z) else _normal_two_sided_p(z)


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

    Newcombe's hybrid score interval (Newcombe 1998, method 10) for the difference, built from
    the Wilson intervals of the two sides on their effective bases; the difference is
    significant when the interval excludes zero, and ``p_value`` is the largest alpha at which
    the interval still contains zero, so the two always agree. Because the local side enters
    through the Wilson interval printed beside the figure, a national figure inside that
    interval can never be called significantly different (tests/results/test_stats.py proves
    it over random counts).

    The Wald interval this replaces used ``sqrt(p(1-p)/n)``, which collapses to zero at 0% and
    100%: one response at 100% was then "significantly higher" than 40%.

    ``n_local`` is the local effective base (its design effect is already in it).
    ``n_national`` is the national base the figure was computed on, the split-sample base where
    the question was asked of part of the sample, and ``national_design_effect`` shrinks it to
    an effective base. ``z`` is reported as the normal deviate that gives ``p_value``.
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
    low, high = newcombe_interval(
        p1=p_local, n1=n_local, p2=p_national, n2=n_national_effective, z=z
    )
    z_root = _newcombe_z(p1=p_local, n1=n_local, p2=p_national, n2=n_national_effective)
    p_value = 0.0 if math.isinf(z_root) else _normal_two_sided_p(z_root)
    z_stat = math.copysign(z_root, difference) if difference != 0 else 0.0
    return Difference(difference=difference, ci_low=low, ci_high=high, z=z_stat, p_value=p_value)


def group_versus_rest_test(
    *, p_group: float, n_group: float, p_rest: float, n_rest: float, z: float = Z95
) -> Difference:
    """Test a group of the local respondents (an age band, an area) against the rest of them.

    The group and the rest are two independent samples of the same survey: no respondent is in
    both. The test is the national comparison's (:func:`difference_test`): Newcombe's hybrid
    score interval (1998, method 10) for ``p_group - p_rest`` from the two Wilson intervals on
    their effective bases (the Kish base when weighted), with the p-value the largest alpha at
    which the interval still contains zero. No design effect is added to the rest: its own
    effective base already carries the weighting's. Checked against R
    (tests/results/fixtures/make_group_fixtures.R) and Newcombe's table II.
    """
    return difference_test(
        p_local=p_group, n_local=n_group, p_national=p_rest, n_national=n_rest, z=z
    )


def wave_change_test(
    *, p_now: float, n_now: float, p_then: float, n_then: float, z: float = Z95
) -> Difference:
    """Test the change of a figure between two waves of a council's survey, ``p_now - p_then``.

    Two waves are two independent samples (different fieldwork, drawn afresh), each weighted
    to its own targets, so the test is the national comparison's (:func:`difference_test`):
    Newcombe's hybrid score interval (1998, method 10) for the change, from each wave's Wilson
    interval on its effective base (the base its design-based variance implies when raked, the
    Kish base otherwise), and the p-value the largest alpha at which the interval still
    contains zero. Each wave's effective base already carries its weighting's design effect,
    so none is added. Checked against R's ``survey`` package
    (tests/results/fixtures/make_wave_fixtures.R).
    """
    return difference_test(p_local=p_now, n_local=n_now, p_national=p_then, n_national=n_then, z=z)


def design_effect_tolerance(
    *,
    p_local: float,
    n_local: float,
    p_national: float,
    n_national: float,
    alpha: float = 0.05,
    limit: float = 100.0,
) -> float | None:
    """The largest national design effect at which the difference stays significant.

    None when the difference is not significant with a design effect of 1; ``limit`` when it
    stays significant up to that (a design effect above 100 means no real survey design). The
    significance at design effect ``d`` falls as ``d`` grows (the national Wilson interval
    widens), so bisection on ``log d`` finds the one crossing.
    """

    def significant(deff: float) -> bool:
        return (
            difference_test(
                p_local=p_local,
                n_local=n_local,
                p_national=p_national,
                n_national=n_national,
                national_design_effect=deff,
            ).p_value
            < alpha
        )

    if not significant(1.0):
        return None
    if significant(limit):
        return limit
    low, high = 0.0, math.log(limit)
    for _ in range(60):
        mid = (low + high) / 2
        if significant(math.exp(mid)):
            low = mid
        else:
            high = mid
    return math.exp(low)


@dataclass(frozen=True)
class TestInput:
    """What one difference test needs: the local proportion on its effective base and the
    national one on its base and design effect."""

    p_local: float
    n_local: float
    p_national: float
    n_national: float
    national_design_effect: float = 1.0


def _adjusted_p_values(tests: Sequence[TestInput], method: str, factor: float) -> list[float]:
    raw = [
        _newcombe_p(
            p1=t.p_local,
            n1=t.n_local,
            p2=t.p_national,
            n2=t.n_national / (t.national_design_effect * factor),
        )
        for t in tests
    ]
    return p_adjust(raw, method)


def design_effect_tolerances(
    tests: Sequence[TestInput], *, method: str, alpha: float = 0.05, limit: float = 100.0
) -> list[float | None]:
    """For each test significant after adjustment, the largest national design effect at
    which it stays significant when every national figure has that design effect (the
    adjustment recomputed each time, since all p-values move together); None for the others.

    The result is a design effect, not a multiple: with tests at design effect 1.5 and a
    verdict that holds up to three times that, it is 4.5. Capped at ``limit`` times the
    current design effect. Adjusted p-values only grow as every national base shrinks, so
    bisection on the log of the factor finds each test's crossing.
    """
    if not tests:
        return []
    current = _adjusted_p_values(tests, method, 1.0)
    at_limit = _adjusted_p_values(tests, method, limit)
    tolerances: list[float | None] = []
    for index, test in enumerate(tests):
        if not current[index] < alpha:
            tolerances.append(None)
            continue
        if at_limit[index] < alpha:
            tolerances.append(test.national_design_effect * limit)
            continue
        low, high = 0.0, math.log(limit)
        for _ in range(14):
            mid = (low + high) / 2
            if _adjusted_p_values(tests, method, math.exp(mid))[index] < alpha:
                low = mid
            else:
                high = mid
        tolerances.append(test.national_design_effect * math.exp(low))
    return tolerances


# An effective base below this is shown with its interval but not tested: with fewer than 30
# effective respondents a verdict turns on one or two answers.
MIN_TEST_BASE = 30

TOO_FEW_TO_TEST = "too few responses to test"


def can_test(n_effective: float, *, minimum: float = MIN_TEST_BASE) -> bool:
    """Whether an effective base is large enough for a significance test at all."""
    return n_effective >= minimum


def p_adjust_holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, as R's ``p.adjust(p, "holm")`` computes them."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order, start=1):
        running = max(running, (m - rank + 1) * p_values[index])
        adjusted[index] = min(1.0, running)
    return adjusted


def p_adjust_bh(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg (false discovery rate) adjusted p-values, as R's
    ``p.adjust(p, "BH")`` computes them: ``min(1, cummin(m / i * p))`` from the largest p down.
    """
    m = len(p_values)
    # R orders decreasingly with ties in their original order (a stable sort).
    order = sorted(range(m), key=lambda i: -p_values[i])
    adjusted = [0.0] * m
    running = math.inf
    for position, index in enumerate(order):
        rank = m - position
        running = min(running, m / rank * p_values[index])
        adjusted[index] = min(1.0, running)
    return adjusted


class Adjustment:
    """How the headline verdicts allow for the number of tests in one comparison."""

    NONE = "none"
    HOLM = "holm"
    BH = "bh"
    CHOICES = (NONE, HOLM, BH)
    WORDS = {
        NONE: "no adjustment for multiple comparisons",
        HOLM: "Holm's adjustment (family-wise error rate)",
        BH: "Benjamini-Hochberg adjustment (false discovery rate)",
    }


def p_adjust(p_values: Sequence[float], method: str) -> list[float]:
    """Adjusted p-values by ``method`` (one of :attr:`Adjustment.CHOICES`)."""
    if method == Adjustment.NONE:
        return [float(p) for p in p_values]
    if method == Adjustment.HOLM:
        return p_adjust_holm(p_values)
    if method == Adjustment.BH:
        return p_adjust_bh(p_values)
    raise ValueError(f"Unknown adjustment {method!r}; use one of {', '.join(Adjustment.CHOICES)}.")


def expected_by_chance(tests: int, *, alpha: float = 0.05) -> float:
    """How many significant results chance alone gives in ``tests`` tests with no real
    difference at all."""
    return tests * alpha


@dataclass(frozen=True)
class WeightingCell:
    """The sums one weighting cell (one category on every raking margin) contributes to the
    design-based variance of a weighted proportion.

    ``categories`` has one entry per raking margin, in a fixed order. ``n``, ``sum_w`` and
    ``sum_w2`` are over every respondent of the cell; the ``*_d`` sums are over those in the
    base of the figure (the domain), with ``y`` the figure's yes (0 or 1): ``n_d`` respondents,
    ``y_d`` of them yes, and the sums of ``w``, ``w*y``, ``w^2`` and ``w^2*y`` over them. All are
    sums a database computes in one GROUP BY; no respondent's answers are needed one by one.
    """

    categories: tuple
    n: int
    sum_w: float
    sum_w2: float
    n_d: int = 0
    y_d: float = 0
    sum_w_d: float = 0.0
    sum_wy_d: float = 0.0
    sum_w2_d: float = 0.0
    sum_w2y_d: float = 0.0


# svyrecvar (R survey) projects the influence values on the raking margins by ten sweeps of
# alternating projections; the same ten are made here so that the two agree to 1e-6.
RAKING_SWEEPS = 10


def raked_variance(cells: Sequence[WeightingCell]) -> tuple[float, float]:
    """Design-based variance of a weighted proportion after raking, by linearisation.

    The estimate is the ratio ``p = sum(w y) / sum(w)`` over the base. Its influence values
    ``u_i = d_i (y_i - p) / W_d`` (``d_i`` 1 in the base) are replaced by their residuals on the
    raking margins: for each margin in turn, each category's mean of ``u`` is taken off its
    members, repeated for :data:`RAKING_SWEEPS` sweeps, as ``svyrecvar`` does for a design from
    ``rake()``. Within a cell every member gets the same correction, so the sweeps work on
    cell sums. The variance is then ``N/(N-1) * sum (w_i u_i - mean)^2`` over all ``N``
    respondents (one-stage design, every respondent their own sampling unit, as
    ``svydesign(ids = ~1)``), which is what ``svymean`` reports. Returns ``(p, variance)``.

    Reference: Deville & Särndal (1992), calibration estimators; Lumley (2010), *Complex
    Surveys*, section 7.4. Agrees with ``survey::svymean`` after ``survey::rake`` to 1e-6
    (tests/results/fixtures/make_score_fixtures.R).
    """
    if not cells:
        raise ValueError("The variance needs at least one weighting cell.")
    total_w = math.fsum(c.sum_w_d for c in cells)
    if not total_w > 0:
        raise ValueError("The base of the figure has no weight.")
    p = math.fsum(c.sum_wy_d for c in cells) / total_w
    margins = len(cells[0].categories)
    # Each cell's sum of u (its residual so far), and the correction each member has had.
    residual = [(c.y_d - c.n_d * p) / total_w for c in cells]
    shift = [0.0] * len(cells)
    counts = [c.n for c in cells]
    groups: list[list[tuple[list[int], int]]] = []
    for m in range(margins):
        by_category: dict[object, list[int]] = {}
        for index, cell in enumerate(cells):
            by_category.setdefault(cell.categories[m], []).append(index)
        groups.append(
            [
                (members, sum(counts[k] for k in members))
                for members in by_category.values()
                if sum(counts[k] for k in members) > 0
            ]
        )
    for _ in range(RAKING_SWEEPS):
        for margin_groups in groups:
            for members, count in margin_groups:
                mean = math.fsum(residual[k] for k in members) / count
                for k in members:
                    shift[k] += mean
                    residual[k] -= counts[k] * mean
    n_total = sum(c.n for c in cells)
    if n_total < 2:
        raise ValueError("The variance needs at least two respondents.")
    sum_x = 0.0
    sum_x2 = 0.0
    terms_x = []
    terms_x2 = []
    for cell, a in zip(cells, shift, strict=True):
        terms_x.append((cell.sum_wy_d - p * cell.sum_w_d) / total_w - a * cell.sum_w)
        terms_x2.append(
            (cell.sum_w2y_d * (1 - 2 * p) + p * p * cell.sum_w2_d) / (total_w * total_w)
            - 2 * a * (cell.sum_w2y_d - p * cell.sum_w2_d) / total_w
            + a * a * cell.sum_w2
        )
    sum_x = math.fsum(terms_x)
    sum_x2 = math.fsum(terms_x2)
    variance = n_total / (n_total - 1) * max(0.0, sum_x2 - sum_x * sum_x / n_total)
    return p, variance


def design_effective_base(p: float, variance: float) -> float | None:
    """The effective base a variance implies, ``p(1-p)/variance``: the number of equally
    weighted respondents whose percentage would be as precise. None at 0% or 100%, where the
    linearised variance is zero and says nothing about precision."""
    if not 0 < p < 1 or not variance > 0:
        return None
    return p * (1 - p) / variance


def raked_proportion(cells: Sequence[WeightingCell]) -> Proportion:
    """Weighted proportion with a Wilson interval on the effective base its design-based
    (raking) variance implies; falls back to the Kish effective base at 0% or 100%."""
    p, variance = raked_variance(cells)
    n_eff = design_effective_base(p, variance)
    if n_eff is None:
        sum_w = math.fsum(c.sum_w_d for c in cells)
        sum_w2 = math.fsum(c.sum_w2_d for c in cells)
        n_eff = effective_base(sum_w, sum_w2)
    low, high = wilson_interval(p * n_eff, n_eff)
    return Proportion(p=p, ci_low=low, ci_high=high, base_effective=n_eff)


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
