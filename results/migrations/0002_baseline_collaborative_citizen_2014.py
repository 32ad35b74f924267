from django.db import migrations

from results.baseline import baseline_data, baseline_load


def load(apps, schema_editor):
    baseline_load(data=baseline_data(), models=apps)


def unload(apps, schema_editor):
    NationalFigure = apps.get_model("results", "NationalFigure")
    NationalFigure.objects.filter(questionnaire_slug=baseline_data()["questionnaire"]).delete()


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
