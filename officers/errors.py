"""The one error type of the officers app."""


class OfficerError(Exception):
    """Something an officer asked for cannot be done; the message says what and how to fix it."""
