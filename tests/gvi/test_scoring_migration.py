"""Migration 0006 (score and exposure apart, every contribution, four eyes on attributions): an
existing database keeps every run, score and flag, and old contributions get the incident's type
and time copied onto them so their explanation no longer needs the incident row."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("gvi", "0010_organisation_kind_setting_exit_kind")]
AFTER = [("gvi", "0011_score_exposure_casualties_four_eyes")]


@pytest.mark.django_db(transaction=True)
def test_existing_runs_flags_and_contributions_survive_the_migration():
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    programme = old.get_model("gvi", "Programme").objects.create(name="Gammal satsning", city="Gammalstad")
    organisation = old.get_model("gvi", "PartnerOrganisation").objects.create(
        programme=programme, name="Polisen Gammalstad", kind="police"
    )
    group = old.get_model("gvi", "Group").objects.create(
        programme=programme, organisation=organisation, name="Norr", source="test", confidence="confirmed"
    )
    occurred = dt.datetime(2025, 5, 1, 22, 0, tzinfo=dt.UTC)
    incident = old.get_model("gvi", "Incident").objects.create(
        programme=programme,
        organisation=organisation,
        source="K-1",
        confidence="confirmed",
        incident_type="homicide",
        occurred_at=occurred,
    )
    attribution = old.get_model("gvi", "GroupAttribution").objects.create(
        programme=programme,
        organisation=organisation,
        source="K-1",
        confidence="probable",
        incident=incident,
        group=group,
    )
    run = old.get_model("gvi", "ScoringRun").objects.create(programme=programme, as_of=occurred)
    score = old.get_model("gvi", "GroupScore").objects.create(
        run=run, group=group, score=10.0, rank=1, incident_count=1
    )
    old.get_model("gvi", "ScoreContribution").objects.create(
        group_score=score, incident=incident, contribution=10.0, detail={"severity": 10}
    )
    flag = old.get_model("gvi", "GroupFlag").objects.create(
        programme=programme, group=group, run=run, status="confirmed", score=10.0
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    try:
        contribution = new.get_model("gvi", "ScoreContribution").objects.get()
        assert (contribution.measure, contribution.incident_type, contribution.occurred_at) == (
            "violence",
            "homicide",
            occurred,
        )
        assert contribution.contribution == 10.0 and contribution.detail == {"severity": 10}
        kept_score = new.get_model("gvi", "GroupScore").objects.get(pk=score.pk)
        assert (kept_score.score, kept_score.exposure) == (10.0, 0.0)
        assert new.get_model("gvi", "GroupFlag").objects.get(pk=flag.pk).status == "confirmed"
        assert new.get_model("gvi", "ScoringRun").objects.filter(pk=run.pk).exists()
        # An attribution made before four eyes awaits a second person's confirmation.
        assert new.get_model("gvi", "GroupAttribution").objects.get(pk=attribution.pk).status == "proposed"
        config_fields = {f.name for f in new.get_model("gvi", "ScoringConfig")._meta.get_fields()}
        assert {"killed_weight", "injured_weight"} <= config_fields and "witness_weight" not in config_fields
    finally:
        MigrationExecutor(connection).migrate(leaf)
