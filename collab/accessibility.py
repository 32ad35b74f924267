"""The dates the accessibility statement (templates/accessibility.html) gives, in one place.

LAST_TESTED: change it to the day the website is next tested in the ways the statement lists
under "How we tested" (tests/browser/ runs the automated part on every change, but the date is
of the last time the team went through the list as a whole and updated the statement).
STATEMENT_PREPARED: change it whenever the statement's wording is reviewed or corrected, and
review it at least once a year even when nothing has changed, so the dates stay honest.
"""

from __future__ import annotations

import datetime

STATEMENT_PREPARED = datetime.date(2026, 12, 2)
LAST_TESTED = datetime.date(2026, 12, 2)
