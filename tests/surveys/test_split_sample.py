import random

import pytest
from django.test import Client
from django.urls import reverse

from surveys import services
from surveys.models import Response

pytestmark = pytest.mark.django_db


def test_each_half_gets_between_45_and_55_percent_of_1000_starts(survey, monkeypatch):
    # A seeded generator makes the check exact and repeatable; production uses SystemRandom.
    monkeypatch.setattr(services, "_rng", random.Random(20140131))
    # A thousand residents, here from one address: lift the per-client limit on starting.
    survey.start_limit = 1000
    survey.save(update_fields=["start_limit"])
    for _ in range(1000):
        Client().post(reverse("surveys:start", args=[survey.slug]))
    arms = list(Response.objects.values_list("split_arm", flat=True))
    assert len(arms) == 1000
    share_a = arms.count("A") / len(arms)
    assert 0.45 <= share_a <= 0.55
    assert set(arms) == {"A", "B"}


def test_production_generator_is_not_seedable():
    assert isinstance(services._rng, random.SystemRandom)
