"""The one disclosure policy's pure functions (results.disclosure), against hand counts."""

from __future__ import annotations

import random
from collections import Counter

from results import disclosure


def _derivable(counts: dict, shown: dict) -> bool:
    """Whether the total minus the shown cells gives a hidden total under 10 but above 0,
    or a single hidden cell exactly: what secondary suppression must prevent."""
    hidden = [k for k, v in shown.items() if v is None]
    rest = sum(counts.values()) - sum(v for v in shown.values() if v is not None)
    return bool(hidden) and rest > 0 and (len(hidden) == 1 or rest < 10)


def test_a_small_cell_is_hidden_and_so_is_the_next_smallest():
    shown = disclosure.suppress({"a": 1, "b": 40, "c": 13}, 10)
    assert shown == {"a": None, "b": 40, "c": None}


def test_an_empty_cell_reads_like_a_small_one_but_needs_no_partner():
    assert disclosure.count_text(0, 10) == disclosure.count_text(3, 10) == "fewer than 10"
    assert disclosure.suppress({"a": 0, "b": 40, "c": 13}, 10) == {"a": None, "b": 40, "c": 13}


def test_hidden_cells_are_hidden_until_they_add_up_to_the_threshold():
    shown = disclosure.suppress({"a": 2, "b": 3, "c": 11, "d": 50}, 10)
    assert shown == {"a": None, "b": None, "c": None, "d": 50}


def test_no_random_table_gives_a_hidden_cell_back_from_its_total():
    rng = random.Random(16)
    for _ in range(2000):
        counts = {
            i: rng.choice([0, 0, 1, 2, 5, 9, 10, 12, 30, 80]) for i in range(rng.randint(1, 7))
        }
        if sum(counts.values()) < 10:
            continue  # a total under 10 is a selection no output shows at all
        shown = disclosure.suppress(counts, 10)
        assert all(v is None or v >= 10 for v in shown.values())
        assert not _derivable(counts, shown), counts


def test_a_hidden_column_stays_hidden_in_every_row_and_rows_get_their_own_partner():
    columns, rows = disclosure.suppress_columns(
        [{"x": 30, "y": 4, "z": 25}, {"x": 30, "y": 20, "z": 3}],
        {"x": 30, "y": 20, "z": 25},
        10,
    )
    assert columns == {"x": 30, "y": 20, "z": 25}
    assert rows[0]["y"] is None and rows[0]["z"] is None
    assert rows[1]["z"] is None and rows[1]["y"] is None


def test_selections_under_the_threshold_and_small_remainders_are_refused():
    assert not disclosure.selection_shown(9, 10) and disclosure.selection_shown(10, 10)
    assert disclosure.complement_safe(50, 50, 10) and disclosure.complement_safe(40, 50, 10)
    assert not disclosure.complement_safe(49, 50, 10)


def test_k_anonymise_reaches_k_by_an_independent_count():
    rng = random.Random(5)
    records = [
        {
            "age": rng.choice(["15_24", "25_34", "35_44", "75_plus"]),
            "sex": rng.choice(["f", "m"]),
            "area": rng.choice("abcdefgh"),
            "week": rng.choice(["w1", "w2", "w3"]),
        }
        for _ in range(300)
    ]
    keys = ("age", "sex", "area", "week")
    assert min(Counter(tuple(r[k] for k in keys) for r in records).values()) < 5
    result = disclosure.k_anonymise(
        records,
        keys=keys,
        k=5,
        hierarchies={"week": [{"w1": "all", "w2": "all", "w3": "all"}]},
        drop_order=("week", "area", "age"),
    )
    groups = Counter(tuple(r[k] for k in keys) for r in result.records)
    assert min(groups.values()) >= 5 and result.k == min(groups.values())
    assert len(result.records) + result.dropped == 300
    assert any(step for recoding in result.recodings for step in recoding.steps)
