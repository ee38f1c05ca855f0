"""Flag persistence in days, why a flag ended, one run per moment, and the enforcement mandate.

Existing data: every run and flag is kept. Runs of a programme that share an as_of (possible
before the unique rule) are told apart by moving the later ones' as_of a microsecond each (their
stored scores are unchanged; the decay of a microsecond is far below a float's precision of a
score). Closed flags get the reason they ended as far as the rows tell it: a rejection from its
status, an ended flag was replaced by the next confirmation of its programme, a superseded one by
the next suggestion. Each programme gets a setting per organisation kind with the default
mandate (police and probation plan enforcement; the others offer help).
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The defaults when this migration was written (gvi.models.organisations.DEFAULT_ENFORCEMENT_MANDATE).
ENFORCEMENT_MANDATE = {
    "police": True,
    "probation": True,
    "municipality": False,
    "civil_society": False,
    "other": False,
}


def separate_runs_of_the_same_moment(apps, schema_editor):
    ScoringRun = apps.get_model("gvi", "ScoringRun")
    seen = {}
    for run in ScoringRun.objects.order_by("programme_id", "as_of", "id").only("id", "programme_id", "as_of"):
        key = (run.programme_id, run.as_of)
        if key in seen:
            seen[key] += 1
            ScoringRun.objects.filter(pk=run.pk).update(as_of=run.as_of + datetime.timedelta(microseconds=seen[key]))
        else:
            seen[key] = 0


def record_why_flags_ended(apps, schema_editor):
    GroupFlag = apps.get_model("gvi", "GroupFlag")
    for flag in GroupFlag.objects.filter(status="rejected", end_reason=""):
        GroupFlag.objects.filter(pk=flag.pk).update(
            end_reason="rejected", ended_at=flag.decided_at, ended_by_id=flag.decided_by_id
        )
    for flag in GroupFlag.objects.filter(status="ended", end_reason=""):
        successor = (
            GroupFlag.objects.filter(
                programme_id=flag.programme_id,
                status__in=["confirmed", "ended"],
                decided_at__gte=flag.decided_at,
            )
            .exclude(pk=flag.pk)
            .order_by("decided_at", "id")
            .first()
            if flag.decided_at
            else None
        )
        GroupFlag.objects.filter(pk=flag.pk).update(
            end_reason="replaced",
            ended_at=successor.decided_at if successor else None,
            successor=successor,
        )
    for flag in GroupFlag.objects.filter(status="superseded", end_reason=""):
        successor = (
            GroupFlag.objects.filter(programme_id=flag.programme_id, suggested_at__gte=flag.suggested_at, id__gt=flag.pk)
            .order_by("suggested_at", "id")
            .first()
        )
        GroupFlag.objects.filter(pk=flag.pk).update(
            end_reason="superseded",
            ended_at=successor.suggested_at if successor else None,
            successor=successor,
        )


def default_kind_settings(apps, schema_editor):
    Programme = apps.get_model("gvi", "Programme")
    OrganisationKindSetting = apps.get_model("gvi", "OrganisationKindSetting")
    OrganisationKindSetting.objects.bulk_create(
        [
            OrganisationKindSetting(programme_id=programme_id, kind=kind, enforcement_mandate=mandate)
            for programme_id in Programme.objects.values_list("pk", flat=True)
            for kind, mandate in ENFORCEMENT_MANDATE.items()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('gvi', '0008_sharing_rules_consent_disclosures'),
    ]

    operations = [
        # Data first on this table, before any schema change touches it (PostgreSQL refuses an
        # ALTER TABLE with pending trigger events).
        migrations.RunPython(separate_runs_of_the_same_moment, migrations.RunPython.noop),
        migrations.CreateModel(
            name='OrganisationKindSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('police', 'Police'), ('probation', 'Probation service'), ('municipality', 'Municipality / social services'), ('civil_society', 'Civil society'), ('other', 'Other')], max_length=20, verbose_name='kind')),
                ('enforcement_mandate', models.BooleanField(default=False, help_text="Partners of this kind plan focused enforcement when a flag is confirmed; the others are asked to offer help to the group's members.", verbose_name='enforcement mandate')),
            ],
            options={
                'verbose_name': 'organisation kind setting',
                'verbose_name_plural': 'organisation kind settings',
                'ordering': ['programme', 'kind'],
            },
        ),
        migrations.RemoveField(
            model_name='scoringconfig',
            name='flag_persistence_runs',
        ),
        migrations.AddField(
            model_name='groupflag',
            name='end_note',
            field=models.TextField(blank=True, verbose_name='note on the end'),
        ),
        migrations.AddField(
            model_name='groupflag',
            name='end_reason',
            field=models.CharField(blank=True, choices=[('superseded', "Superseded by another group's suggestion"), ('flagged_group_leads', 'The flagged group leads again'), ('rejected', 'Rejected by a coordinator'), ('replaced', "Replaced by another group's confirmed flag"), ('ended_by_coordinator', 'Ended by a coordinator')], max_length=24, verbose_name='why it ended'),
        ),
        migrations.AddField(
            model_name='groupflag',
            name='ended_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ended at'),
        ),
        migrations.AddField(
            model_name='groupflag',
            name='ended_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ended by'),
        ),
        migrations.AddField(
            model_name='groupflag',
            name='successor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='gvi.groupflag', verbose_name='replaced by'),
        ),
        migrations.AddField(
            model_name='historicalgroupflag',
            name='end_note',
            field=models.TextField(blank=True, verbose_name='note on the end'),
        ),
        migrations.AddField(
            model_name='historicalgroupflag',
            name='end_reason',
            field=models.CharField(blank=True, choices=[('superseded', "Superseded by another group's suggestion"), ('flagged_group_leads', 'The flagged group leads again'), ('rejected', 'Rejected by a coordinator'), ('replaced', "Replaced by another group's confirmed flag"), ('ended_by_coordinator', 'Ended by a coordinator')], max_length=24, verbose_name='why it ended'),
        ),
        migrations.AddField(
            model_name='historicalgroupflag',
            name='ended_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ended at'),
        ),
        migrations.AddField(
            model_name='historicalgroupflag',
            name='ended_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ended by'),
        ),
        migrations.AddField(
            model_name='historicalgroupflag',
            name='successor',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='gvi.groupflag', verbose_name='replaced by'),
        ),
        migrations.AddField(
            model_name='scoringconfig',
            name='flag_persistence_days',
            field=models.PositiveSmallIntegerField(default=7, help_text='Days a new leader must hold its margin, in every run, before it is suggested.', verbose_name='flag persistence (days)'),
        ),
        migrations.AddConstraint(
            model_name='scoringrun',
            constraint=models.UniqueConstraint(fields=('programme', 'as_of'), name='one_run_per_programme_and_as_of'),
        ),
        migrations.AddField(
            model_name='organisationkindsetting',
            name='programme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='organisation_kind_settings', to='gvi.programme', verbose_name='programme'),
        ),
        migrations.AddConstraint(
            model_name='organisationkindsetting',
            constraint=models.UniqueConstraint(fields=('programme', 'kind'), name='one_setting_per_organisation_kind'),
        ),
        migrations.RunPython(record_why_flags_ended, migrations.RunPython.noop),
        migrations.RunPython(default_kind_settings, migrations.RunPython.noop),
    ]
