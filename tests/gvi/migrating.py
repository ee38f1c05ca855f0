"""Moving the test database between migrations, for the tests of a data migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to `targets`; the models (apps) as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def programme_with_police(apps, city: str):
    """A programme with a police organisation, made with a migration's models: (programme, the
    fields every sourced record needs, a date of birth of an adult)."""
    import datetime as dt

    programme = apps.get_model("gvi", "Programme").objects.create(name=f"Sluta skjut {city}", city=city)
    police = apps.get_model("gvi", "PartnerOrganisation").objects.create(
        programme=programme, name="Polisen", kind="police"
    )
    sourced = {"programme": programme, "organisation": police, "source": "test", "confidence": "confirmed"}
    born = {"date_of_birth": dt.date(2000, 1, 1), "adult_on": dt.date(2018, 1, 1)}
    return programme, sourced, born


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def back_to_the_latest_migrations():
    """Leave the test database fully migrated: the tests after this one expect every column."""
    yield
    migrate_to_latest()
