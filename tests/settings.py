"""The settings the tests run with: the project's own (collab/settings.py), read with DEBUG=1 as
on a developer's machine (SQLite, the development secret, addresses on this machine), unless the
environment says otherwise. pytest-django still turns DEBUG off while each test runs, so the
pages are tested as production serves them.

Set here, in the environment, so the processes tests start (a Celery worker, a management
command) read the same. Tests of production settings start a process of their own with DEBUG
off (tests/collab/test_production_checks.py).
"""

import os

os.environ.setdefault("DEBUG", "1")
# A light start challenge (surveys/challenge.py), so tests that solve it in Python are quick.
os.environ.setdefault("START_CHALLENGE_COST", "100")
os.environ.setdefault("START_CHALLENGE_COUNTER_MIN", "20")
os.environ.setdefault("START_CHALLENGE_COUNTER_MAX", "60")

from collab.settings import *  # noqa: F403
