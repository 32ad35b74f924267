"""The database refuses an answer to a statement asked of the other half of the sample.

Two statements of the 2014 questionnaire were each asked of half the respondents (an item
with a split arm). The write paths never store an answer to the other half's statement, and
the database now refuses one too, as it refuses a second answer to the same item: an answer
row for such an item must belong to a response of that half, and a response's half cannot
change once it has such answers. Counting can then trust every stored row instead of
testing each one (results.selectors), and a bad import or a hand correction is refused
instead of silently left out of the figures.

Triggers on PostgreSQL, where production data lives. The check runs only for answers to grid
items (about 60% of the rows), one look-up of the item and one of the response by key: about
6 microseconds a row (docs/benchmarks.md, "Paper
import"). On SQLite, the newcomer's default, any trigger on the answers table made the bulk
import twice as slow, so there the counting statement keeps leaving such rows out instead
(results.selectors._answer_rows).
"""

from django.db import migrations

MESSAGE = "An answer to a statement that was asked of the other half of the sample"

# An answer row (NEW) whose item belongs to a half other than its response's.
WRONG_HALF = """
    SELECT 1 FROM surveys_item i, surveys_response r
    WHERE i.id = NEW.item_id AND r.id = NEW.response_id
      AND i.split_arm <> '' AND i.split_arm <> r.split_arm
"""
# A response (NEW) with an answer to the other half's statement.
HAS_OTHER_HALF = """
    SELECT 1 FROM surveys_answer a, surveys_item i
    WHERE a.response_id = NEW.id AND i.id = a.item_id
      AND i.split_arm <> '' AND i.split_arm <> NEW.split_arm
"""


def _refusing(function: str, condition: str) -> str:
    """A trigger function that refuses the row when ``condition`` finds anything."""
    return f"""
    CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS ({condition}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """


POSTGRESQL = [
    _refusing("surveys_answer_same_half", WRONG_HALF),
    """
    CREATE TRIGGER answer_same_half
    BEFORE INSERT OR UPDATE OF item_id, response_id ON surveys_answer
    FOR EACH ROW WHEN (NEW.item_id IS NOT NULL)
    EXECUTE FUNCTION surveys_answer_same_half()
    """,
    _refusing("surveys_response_keeps_half", HAS_OTHER_HALF),
    """
    CREATE TRIGGER response_keeps_half
    BEFORE UPDATE OF split_arm ON surveys_response
    FOR EACH ROW WHEN (OLD.split_arm IS DISTINCT FROM NEW.split_arm)
    EXECUTE FUNCTION surveys_response_keeps_half()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS response_keeps_half ON surveys_response",
    "DROP FUNCTION IF EXISTS surveys_response_keeps_half()",
    "DROP TRIGGER IF EXISTS answer_same_half ON surveys_answer",
    "DROP FUNCTION IF EXISTS surveys_answer_same_half()",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def create(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL})


def drop(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("surveys", "0009_response_fillfactor")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
