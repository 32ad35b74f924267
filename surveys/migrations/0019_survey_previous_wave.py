import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0018_response_received_on_and_not_answered"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="previous_wave",
            field=models.ForeignKey(
                blank=True,
                help_text="The earlier survey this one repeats, compared with in the report. "
                "Only one of the same council, with the same questionnaire or a version of it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="next_waves",
                to="surveys.survey",
            ),
        ),
        migrations.AddField(
            model_name="survey",
            name="wave_label",
            field=models.CharField(
                blank=True,
                help_text='How this wave is named in comparisons ("2025", "Spring 2026"). '
                "Empty: the year it opened.",
                max_length=40,
            ),
        ),
    ]
