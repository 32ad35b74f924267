"""The one error type of the results app.

Services, selectors and the comparison raise it with a message written for a council officer;
commands turn it into a CommandError and views (later) into a message on the page.
"""


class ResultsError(Exception):
    """Something about the request cannot be done; the message says what and how to fix it."""
