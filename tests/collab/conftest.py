from tests.surveys.conftest import council, questionnaire, survey  # noqa: F401 (fixtures)
