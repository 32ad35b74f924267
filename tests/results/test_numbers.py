"""Figures in words and digits: the report's wording of approximate figures, and no "-0"."""

import pytest

from results.labels import breakdown_heading, group_name, selection_lines
from results.numbers import approximate_words, number_text, percent_text, signed_points


@pytest.mark.parametrize(
    ("percent", "words"),
    [
        (28.6, "almost three in ten"),
        (50.4, "around half"),
        (35.2, "just over a third"),
        (66.0, "around two thirds"),
        (19.5, "around one in five"),
        (74.0, "around three quarters"),
        (0.2, "none"),
        (100.0, "all"),
    ],
)
def test_approximate_words(percent, words):
    assert approximate_words(percent) == words


def test_approximate_words_refuses_what_is_not_a_percentage():
    with pytest.raises(ValueError):
        approximate_words(120)


def test_no_negative_zero():
    assert percent_text(-0.3) == "0%"
    assert signed_points(-0.2) == "0" and signed_points(0.4) == "0"
    assert signed_points(-3.6) == "-4" and signed_points(3.6) == "+4"
    assert number_text(-0.04, 1) == "0.0" and number_text(-1.5, 1) == "-1.5"
    assert percent_text(None) == ""


def test_labels_not_codes():
    assert group_name("AGE", "What is your age?") == "Age"
    assert group_name("PETS", "Do you have pets?") == "Do you have pets"
    assert breakdown_heading("AGE") == "Broken down by age"
    assert selection_lines(
        area="brookside",
        subgroups=(("AGE", "15_24"),),
        areas={"brookside": "Brookside"},
        questions={"AGE": ("What is your age?", {"15_24": "15-24"})},
    ) == ["Area: Brookside", "Age: 15-24"]
    assert selection_lines() == ["All complete responses"]
