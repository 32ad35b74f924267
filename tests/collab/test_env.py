"""Settings read from the environment fail loudly on a value they cannot use."""

from __future__ import annotations

import pytest

from collab.env import ImproperlyConfiguredEnv, env_seconds


def test_seconds_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("COLLAB_TEST_SECONDS", raising=False)
    assert env_seconds("COLLAB_TEST_SECONDS", 3600) == 3600
    monkeypatch.setenv("COLLAB_TEST_SECONDS", "")
    assert env_seconds("COLLAB_TEST_SECONDS", 3600) == 3600


def test_seconds_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("COLLAB_TEST_SECONDS", "5")
    assert env_seconds("COLLAB_TEST_SECONDS", 3600) == 5


@pytest.mark.parametrize("raw", ["0", "-30", "1h", "2.5"])
def test_seconds_refuse_zero_negative_and_non_whole_numbers(monkeypatch, raw):
    monkeypatch.setenv("COLLAB_TEST_SECONDS", raw)
    with pytest.raises(ImproperlyConfiguredEnv, match="COLLAB_TEST_SECONDS"):
        env_seconds("COLLAB_TEST_SECONDS", 3600)


def test_env_example_lists_every_variable_the_settings_read():
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    settings_source = (repo / "collab" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^# ([A-Z_]+)=", (repo / ".env.example").read_text(), re.M))

    assert read, "no variable found: the pattern no longer matches settings.py"
    assert read - listed == set(), "add these to .env.example"
