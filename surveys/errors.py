class SurveyError(Exception):
    """A problem a resident or an officer can act on; the message is shown to them."""


class SurveyUnavailable(SurveyError):
    """The survey is closed, not yet open, or not open to the public link."""


class CodeRejected(SurveyError):
    """An invitation or resume code that is unknown, expired or already used."""


class ResponseInvalid(SurveyError):
    """Answers that fail validation: errors maps question code to (field, message) pairs."""

    def __init__(self, errors: dict[str, list[tuple[str, str]]]):
        self.errors = errors
        count = sum(len(v) for v in errors.values())
        super().__init__(
            f"{count} answer{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention"
        )


class ResponsesInvalid(SurveyError):
    """Several responses checked at once (an import): errors maps each response's index to
    its ResponseInvalid errors. Raised before anything is written."""

    def __init__(self, errors: dict[int, dict[str, list[tuple[str, str]]]]):
        self.errors = errors
        super().__init__(f"{len(errors)} response{'s' if len(errors) != 1 else ''} not valid")


class SurveyClosed(SurveyError):
    """Fieldwork asked of a survey that has closed: nothing more is sent to residents."""


class RefTaken(SurveyError):
    """A paper form's REF that one of the survey's responses holds already."""
