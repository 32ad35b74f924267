"""Small typed readers for settings that come from the environment.

Each one fails loudly on a value it cannot understand, so a typo in a deployment
stops the process at start-up instead of silently running with a default.
"""

import os


class ImproperlyConfiguredEnv(ValueError):
    pass


def env_str(name: str, default: str = "") -> str:
    """An empty variable counts as unset, as in a .env file with `NAME=` left blank."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_seconds(name: str, default: int) -> int:
    """A duration in whole seconds, more than zero: a timeout of 0 or less never means what
    whoever set it meant."""
    seconds = env_int(name, default)
    if seconds <= 0:
        raise ImproperlyConfiguredEnv(f"{name} must be a number of seconds above 0, not {seconds}")
    return seconds
