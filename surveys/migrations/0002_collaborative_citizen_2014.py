from django.db import migrations

from surveys.loading import questionnaire_data, questionnaire_load


def load(apps, schema_editor):
    questionnaire_load(data=questionnaire_data(), models=apps)


def unload(apps, schema_editor):
    data = questionnaire_data()
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Questionnaire.objects.filter(slug=data["slug"], version=data["version"]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
