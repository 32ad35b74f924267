"""Roles in councils (Membership) replace the list of officers; councils may own their own
questionnaire versions; an area that responses name can no longer be deleted."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def officers_become_members(apps, schema_editor):
    """Everyone who was a council's officer keeps that role."""
    Council = apps.get_model("surveys", "Council")
    Membership = apps.get_model("surveys", "Membership")
    for council in Council.objects.all():
        for user in council.officers.all():
            Membership.objects.get_or_create(user=user, council=council, role="officer")


def members_become_officers(apps, schema_editor):
    Membership = apps.get_model("surveys", "Membership")
    for membership in Membership.objects.all():
        membership.council.officers.add(membership.user)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0010_answer_same_half"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaire",
            name="council",
            field=models.ForeignKey(
                blank=True,
                help_text="The council whose own version this is. Empty: offered to every council and changed by platform administrators only.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questionnaires",
                to="surveys.council",
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="surveys.area",
            ),
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("council_admin", "Council administrator"),
                            ("officer", "Officer"),
                            ("research_officer", "Research officer"),
                        ],
                        default="officer",
                        max_length=20,
                    ),
                ),
                ("granted_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "council",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="surveys.council",
                    ),
                ),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["council", "user__username", "role"],
            },
        ),
        migrations.RunPython(officers_become_members, members_become_officers),
        migrations.RemoveField(
            model_name="council",
            name="officers",
        ),
        migrations.AddField(
            model_name="council",
            name="members",
            field=models.ManyToManyField(
                blank=True,
                related_name="councils",
                through="surveys.Membership",
                through_fields=("council", "user"),
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                fields=("user", "council", "role"), name="membership_role_once_per_council"
            ),
        ),
    ]
