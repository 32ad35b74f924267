"""Production settings with a proxy header trusted although TRUSTED_PROXIES is 0, for
tests/collab/test_production_checks.py."""

from collab.settings import *  # noqa: F403

USE_X_FORWARDED_HOST = True
