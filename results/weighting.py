"""Rim weighting (raking) of a council's respondents to its population margins, with a cap.

No Django here: respondents come in as one category array per margin, targets as population
shares, and weights go out as a numpy array. The algorithm is the one R's ``survey`` package
uses, so ``tests/results`` can check it against ``survey::rake()`` and ``survey::trimWeights()``:

1. one raking sweep: for each margin in turn, scale every respondent's weight so that the
   weighted shares of that margin's categories equal the targets (``survey::postStratify``);
2. if a cap is set, trim weights above ``cap`` times the mean weight to exactly that and share
   the trimmed weight out equally among the untrimmed respondents, repeating until no weight is
   above the cap (``survey::trimWeights(..., strict = TRUE)``);
3. repeat until every margin is within ``tolerance`` of its targets after step 2.

Weights are scaled to mean 1 (they sum to the number of respondents), so a weight reads as "this
respondent counts as w average respondents" and the cap is simply the largest weight allowed.

Bad input raises :class:`WeightingError` with a message written for a council officer; the
function never returns weights that miss the targets.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from results.stats import effective_base

# Targets are typed in by officers from census tables, so shares that sum to 99.95% are honest
# rounding; anything further out is a typo worth stopping for.
SHARE_SUM_TOLERANCE = 0.001


class WeightingError(Exception):
    """The respondents cannot be weighted to these targets; the message says why, in plain words."""


@dataclass(frozen=True)
class RakeResult:
    """Weights (mean 1, one per respondent) and what they cost in precision.

    ``converged`` is always True on a returned result, because :func:`rake` raises instead of
    returning weights that miss the targets; it is kept so that callers can store the result as
    it came.
    """

    weights: np.ndarray
    iterations: int
    converged: bool
    efficiency: float
    effective_base: float
    max_weight: float
    min_weight: float
    capped: int = 0  # respondents whose weight is held at the cap


@dataclass(frozen=True)
class _Margin:
    name: str
    index: np.ndarray  # category position of each respondent, into `categories`
    categories: list[Hashable]
    shares: np.ndarray  # target share of each category, normalised to sum to 1


def rake(
    margins: Mapping[str, ArrayLike],
    targets: Mapping[str, Mapping[Hashable, float]],
    *,
    cap: float | None = 5.0,
    max_iterations: int = 100,
    tolerance: float = 1e-8,
    base_weights: ArrayLike | None = None,
    labels: Mapping[str, Mapping[Hashable, str]] | None = None,
) -> RakeResult:
    """Rake respondents to population shares on several margins at once.

    ``margins`` maps a margin name (shown to officers, e.g. ``"age band"``) to one category code
    per respondent (integers or strings); every margin has the same respondents in the same
    order. ``targets`` maps the same names to ``{category: population share}`` with shares in
    0..1 summing to 1 within 0.1 percentage points (they are then normalised to sum to 1).

    Every category that respondents fall in must have a target: a respondent in a category
    missing from the targets is an error, because silently dropping people is how weighted
    results go wrong unnoticed. A category explicitly given share 0 is allowed and its
    respondents get weight 0 (they still count in the mean-1 scaling and in the efficiency).

    ``cap`` is the largest weight allowed, as a multiple of the mean weight; ``None`` means no
    cap. ``tolerance`` is the largest gap allowed between a weighted share and its target, in
    proportion units. ``base_weights`` are design weights to start from (all 1 if not given).
    ``labels`` optionally maps a margin name to ``{category: human label}`` for error messages.
    """
    labels = labels or {}
    if cap is not None and not cap > 1:
        raise WeightingError(
            f"The weight cap must be above 1 (it is a multiple of the average weight); got {cap}."
        )
    if max_iterations < 1:
        raise WeightingError(f"max_iterations must be at least 1; got {max_iterations}.")
    if not tolerance > 0:
        raise WeightingError(f"tolerance must be above zero; got {tolerance}.")

    n = _respondent_count(margins, targets)
    weights = _starting_weights(base_weights, n)
    prepared = [
        _prepare_margin(name, margins[name], targets[name], labels.get(name, {}))
        for name in margins
    ]
    for margin in prepared:
        _check_reachable(margin, weights, cap, n, labels.get(margin.name, {}))

    for iteration in range(1, max_iterations + 1):
        for margin in prepared:
            _post_stratify(weights, margin, n)
        if cap is not None:
            weights = trim_weights(weights, upper=cap * weights.mean())
        if _largest_gap(weights, prepared) < tolerance:
            n_eff = effective_base(float(weights.sum()), float(weights @ weights))
            return RakeResult(
                weights=weights,
                iterations=iteration,
                converged=True,
                efficiency=n_eff / n,
                effective_base=n_eff,
                max_weight=float(weights.max()),
                min_weight=float(weights.min()),
                capped=(
                    0
                    if cap is None
                    else int(np.count_nonzero(weights >= cap * weights.mean() * (1 - 1e-9)))
                ),
            )

    gap = _largest_gap(weights, prepared)
    hint = (
        f"the cap of {cap:g} times the average weight may be too tight for these targets"
        if cap is not None
        else "the targets may contradict each other for the people who responded"
    )
    raise WeightingError(
        f"Weighting did not converge in {max_iterations} iterations: {hint}. "
        f"The weighted results were still up to {gap * 100:.2f} percentage points from a target."
    )


def trim_weights(weights: np.ndarray, *, upper: float) -> np.ndarray:
    """Cap weights at ``upper`` and share the excess equally among the others.

    Mirrors ``survey::trimWeights(design, upper, strict = TRUE)`` so that the capped weights can
    be checked against R: the total weight is kept, and the sharing out is repeated because it
    can push a weight just under the cap over it. One deliberate difference: respondents with
    weight 0 (a category whose target is 0) receive no share, where R would give them one.
    """
    trimmed = weights.astype(float, copy=True)
    receives = trimmed > 0
    while True:
        outside = trimmed > upper
        if not outside.any():
            return trimmed
        inside = receives & ~outside
        if not inside.any():
            # Only possible if cap * mean < mean, which rake() rules out; guard anyway.
            raise WeightingError("Every weight is above the cap, so there is nobody to share with.")
        excess = float((trimmed[outside] - upper).sum())
        trimmed[outside] = upper
        trimmed[inside] += excess / int(inside.sum())


def _respondent_count(
    margins: Mapping[str, ArrayLike], targets: Mapping[str, Mapping[Hashable, float]]
) -> int:
    if not margins:
        raise WeightingError("There are no margins to weight on.")
    missing_targets = [name for name in margins if name not in targets]
    if missing_targets:
        raise WeightingError(
            f"There are no targets for {_quoted(missing_targets)}; give population shares for "
            "every margin you weight on."
        )
    unused_targets = [name for name in targets if name not in margins]
    if unused_targets:
        raise WeightingError(
            f"There are targets for {_quoted(unused_targets)} but no respondent data for it."
        )
    lengths = {
        name: np.shape(values)[0] if np.ndim(values) == 1 else -1
        for name, values in margins.items()
    }
    flat = [name for name, length in lengths.items() if length < 0]
    if flat:
        raise WeightingError(
            f"The values for {_quoted(flat)} must be a flat list, one per respondent."
        )
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}: {length}" for name, length in lengths.items())
        raise WeightingError(
            f"Each margin must have one value per respondent, but the lengths differ ({detail})."
        )
    n = next(iter(lengths.values()))
    if n == 0:
        raise WeightingError("There are no respondents to weight.")
    return n


def _starting_weights(base_weights: ArrayLike | None, n: int) -> np.ndarray:
    if base_weights is None:
        return np.ones(n)
    weights = np.asarray(base_weights, dtype=float).reshape(-1)
    if weights.shape[0] != n:
        raise WeightingError(
            f"There are {weights.shape[0]} base weights for {n} respondents; give one each."
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise WeightingError("Base weights must be finite and not negative.")
    if not weights.sum() > 0:
        raise WeightingError("The base weights are all zero.")
    return weights * (n / weights.sum())


def _prepare_margin(
    name: str,
    values: ArrayLike,
    shares: Mapping[Hashable, float],
    labels: Mapping[Hashable, str],
) -> _Margin:
    array = np.asarray(values)
    categories, index = _factorise(array)

    for category, share in shares.items():
        if not np.isfinite(share) or share < 0:
            raise WeightingError(
                f"The target for {_describe(name, category, labels)} is {share}; "
                "shares cannot be negative."
            )
    total = sum(shares.values())
    if 50 <= total <= 150:
        raise WeightingError(
            f"The targets for {name!r} add up to {total:g}: give shares as fractions of 1 "
            "(0.08 for 8%), not as percentages."
        )
    if abs(total - 1) > SHARE_SUM_TOLERANCE:
        raise WeightingError(
            f"The targets for {name!r} add up to {total * 100:.1f}%, not 100%; check them for a "
            "typo or a missing category."
        )

    counts = np.bincount(index, minlength=len(categories))
    no_target = [
        (category, int(count))
        for category, count in zip(categories, counts, strict=True)
        if category not in shares
    ]
    if no_target:
        detail = "; ".join(
            f"{count} in {_describe(name, category, labels)}" for category, count in no_target
        )
        raise WeightingError(
            f"Some respondents are in a category with no target ({detail}). Give the category a "
            "target share, or a share of 0 to leave those respondents out of weighted results."
        )
    present = set(categories)
    empty = [
        (category, share)
        for category, share in shares.items()
        if share > 0 and category not in present
    ]
    if empty:
        detail = "; ".join(
            f"{_describe(name, category, labels)} (target {share * 100:.1f}%)"
            for category, share in empty
        )
        raise WeightingError(
            f"No respondents in {detail}, so weighting cannot reach the target. Merge the "
            "category with a neighbouring one or collect more responses."
        )

    target = np.array([shares[category] for category in categories], dtype=float) / total
    return _Margin(name=name, index=index, categories=categories, shares=target)


def _factorise(array: np.ndarray) -> tuple[list[Hashable], np.ndarray]:
    try:
        categories, index = np.unique(array, return_inverse=True)
        return categories.tolist(), index.reshape(-1)
    except TypeError:
        # Mixed types (e.g. codes with a None for "not answered") cannot be sorted; keep the
        # order of first appearance instead.
        positions: dict[Hashable, int] = {}
        index = np.fromiter(
            (positions.setdefault(value, len(positions)) for value in array.tolist()),
            dtype=np.intp,
            count=array.shape[0],
        )
        return list(positions), index


def _check_reachable(
    margin: _Margin,
    weights: np.ndarray,
    cap: float | None,
    n: int,
    labels: Mapping[Hashable, str],
) -> None:
    counts = np.bincount(margin.index, minlength=len(margin.categories))
    starting = np.bincount(margin.index, weights=weights, minlength=len(margin.categories))
    for position, category in enumerate(margin.categories):
        share = margin.shares[position]
        if share > 0 and starting[position] == 0:
            raise WeightingError(
                f"All respondents in {_describe(margin.name, category, labels)} have a base "
                f"weight of 0, so weighting cannot reach its target of {share * 100:.1f}%."
            )
        # With every weight at most cap (mean 1), k respondents carry at most k * cap / n.
        if cap is not None and share > counts[position] * cap / n:
            raise WeightingError(
                f"Only {_respondents(int(counts[position]))} in "
                f"{_describe(margin.name, category, labels)}"
                f" but the target gives it {share * 100:.1f}%; with weights capped at {cap:g} "
                f"times the average they can carry at most {counts[position] * cap / n * 100:.1f}%."
                " Raise the cap, merge the category with a neighbouring one or collect more "
                "responses."
            )


def _post_stratify(weights: np.ndarray, margin: _Margin, n: int) -> None:
    totals = np.bincount(margin.index, weights=weights, minlength=len(margin.categories))
    factors = np.divide(margin.shares * n, totals, out=np.zeros_like(totals), where=totals > 0)
    weights *= factors[margin.index]


def _largest_gap(weights: np.ndarray, margins: list[_Margin]) -> float:
    total = weights.sum()
    return max(
        float(
            np.abs(
                np.bincount(m.index, weights=weights, minlength=len(m.categories)) / total
                - m.shares
            ).max()
        )
        for m in margins
    )


def _describe(name: str, category: Hashable, labels: Mapping[Hashable, str]) -> str:
    return f"'{name}: {labels.get(category, category)}'"


def _respondents(count: int) -> str:
    return f"{count} respondent" if count == 1 else f"{count} respondents"


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)
