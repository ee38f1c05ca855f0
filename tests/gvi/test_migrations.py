"""Existing databases migrate without losing a run or a flag (migration 0007)."""

import datetime as dt

import pytest

from tests.gvi.migrating import back_to_the_latest_migrations, migrate, programme_with_police  # noqa: F401 (an autouse fixture)

BEFORE = [("gvi", "0008_sharing_rules_consent_disclosures")]
AFTER = [("gvi", "0009_flag_persistence_in_days_and_end_reasons")]
MOMENT = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_runs_and_flags_survive_with_why_each_flag_ended_and_the_default_mandates():
    old = migrate(BEFORE)
    try:
        Group = old.get_model("gvi", "Group")
        ScoringRun = old.get_model("gvi", "ScoringRun")
        GroupFlag = old.get_model("gvi", "GroupFlag")
        programme, sourced, _born = programme_with_police(old, "Migrationsstad")
        norr, soder = (Group.objects.create(name=name, **sourced) for name in ("Norr", "Söder"))
        # Two runs of the same moment, as the old code could store them, and a later one.
        runs = [ScoringRun.objects.create(programme=programme, as_of=MOMENT, trigger="t") for _ in range(2)]
        runs.append(ScoringRun.objects.create(programme=programme, as_of=MOMENT + dt.timedelta(hours=1), trigger="t"))

        def flag(group, status, **kwargs):
            return GroupFlag.objects.create(
                programme=programme, group=group, run=runs[0], status=status, score=1, **kwargs
            )

        rejected = flag(norr, "rejected", decided_at=MOMENT, decision_reason="Gammalt underlag")
        ended = flag(norr, "ended", decided_at=MOMENT + dt.timedelta(days=1))
        superseded = flag(soder, "superseded")
        successor = flag(soder, "confirmed", decided_at=MOMENT + dt.timedelta(days=2))
    finally:
        new = migrate(AFTER)
    ScoringRun = new.get_model("gvi", "ScoringRun")
    GroupFlag = new.get_model("gvi", "GroupFlag")
    Setting = new.get_model("gvi", "OrganisationKindSetting")
    assert ScoringRun.objects.filter(programme_id=programme.pk).count() == 3
    moments = sorted(ScoringRun.objects.filter(programme_id=programme.pk).values_list("as_of", flat=True))
    assert moments == [MOMENT, MOMENT + dt.timedelta(microseconds=1), MOMENT + dt.timedelta(hours=1)]
    assert GroupFlag.objects.filter(programme_id=programme.pk).count() == 4
    reasons = {f.pk: (f.end_reason, f.successor_id) for f in GroupFlag.objects.filter(programme_id=programme.pk)}
    assert reasons[rejected.pk] == ("rejected", None)
    assert reasons[ended.pk] == ("replaced", successor.pk)
    assert reasons[superseded.pk] == ("superseded", successor.pk)
    assert reasons[successor.pk] == ("", None)
    mandates = dict(Setting.objects.filter(programme_id=programme.pk).values_list("kind", "enforcement_mandate"))
    assert mandates == {
        "police": True,
        "probation": True,
        "municipality": False,
        "civil_society": False,
        "other": False,
    }
