"""Leave half of each page of the responses table free, on PostgreSQL.

Every weighting run rewrites the weight of every response of a survey in one statement, and
residents' drafts are rewritten on every page they save. With full pages each new row version
lands on another page and every index of the table gets a new entry; with room on the page,
PostgreSQL updates in place (a HOT update: no index entry, old versions reclaimed as pages are
read), so the table keeps its size across reweightings instead of growing with each one, and
every scan of it (the comparison reads it three times) stays short. Measured in
docs/benchmarks.md ("Comparison engine").

Existing pages keep their layout until the table is rewritten (VACUUM FULL); new and updated
rows follow the setting at once.
"""

from django.db import migrations

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor, value: int | None = FILLFACTOR) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no such setting
    table = schema_editor.quote_name("surveys_response")
    if value is None:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    else:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    set_fillfactor(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0008_survey_invitation_code_days")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
