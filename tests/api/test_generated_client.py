"""A partner's developer generates a client from the schema, and it just works.

openapi-python-client (pinned in requirements-dev.txt) generates a client from the served schema
into a temporary folder, without a warning; the client, and examples/partner_client.py built on
it, then drive a live server through the main flows. Any body the client cannot parse into its
models fails the test (the client raises on a status the schema does not document).
"""

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from gvi import models as m
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CONFIG = ROOT / "examples" / "openapi-python-client.yaml"
EXAMPLE = ROOT / "examples" / "partner_client.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_setup, django_db_blocker):
    """The generated package `gvi_client` and the example module, importable for this module's tests."""
    folder = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():
        schema = Client().get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="sv")
    assert schema.status_code == 200
    (folder / "schema.json").write_bytes(schema.content)
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(folder / "schema.json"), "--config", str(CONFIG)]
        + ["--output-path", str(folder / "client"), "--fail-on-warning"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    sys.path.insert(0, str(folder / "client"))
    try:
        spec = importlib.util.spec_from_file_location("partner_client", EXAMPLE)
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        import gvi_client.models

        yield example, gvi_client.models
    finally:
        sys.path.remove(str(folder / "client"))
        for name in [name for name in sys.modules if name == "gvi_client" or name.startswith("gvi_client.")]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_drives_the_main_flows(generated, live_server, probation_officer, probation, issue_key):
    example, models = generated
    persons = [f.PersonFactory(organisation=probation) for _ in range(5)]
    # An organisation's key: reads name the person who acts in X-Acting-User.
    _key, raw = issue_key(probation)
    client = example.connect(live_server.url, raw, acting_user=probation_officer.username)

    # A list, page by page (two per page: three pages, each followed by its cursor).
    listed = example.all_persons(client, page_size=2)
    assert [person.id for person in listed] == sorted(person.pk for person in persons)
    assert all(isinstance(person, models.PersonOutput) for person in listed)

    # A read, into the model with typed fields.
    person = example.read_person(client, persons[0].pk)
    assert isinstance(person, models.PersonOutput)
    assert (person.last_name, person.date_of_birth) == (persons[0].last_name, persons[0].date_of_birth)
    assert person.sex == models.Sex(persons[0].sex)

    # A write with an Idempotency-Key, then its replay: one record.
    body = models.CustomNotificationInput(
        person=person.id,
        delivered_on=persons[0].date_of_birth.replace(year=2026),
        response=models.NotificationResponse.ACCEPTED_HELP,
        services_offered=[models.ServiceKind.HOUSING],
        source="KVV-77",
    )
    status, logged, replayed = example.log_notification(client, body, "partner-run-1")
    assert status == 201 and isinstance(logged, models.CustomNotificationOutput) and not replayed
    assert logged.services_offered == [models.ServiceKind.HOUSING]
    assert logged.delivering_organisations == [probation.pk]
    status, again, replayed = example.log_notification(client, body, "partner-run-1")
    assert (status, again.id, replayed) == (201, logged.id, True)
    assert m.CustomNotification.objects.count() == 1

    # A refused body and a missing record come back as the Error model.
    wrong = models.CustomNotificationInput.from_dict({**body.to_dict(), "person": 0})
    status, refused, _replayed = example.log_notification(client, wrong)
    assert status == 400 and isinstance(refused, models.Error)
    assert refused.code == models.ErrorCode.INVALID and refused.errors["person"] == ["No such record."]
    missing = example.read_person(client, 2**62)
    assert isinstance(missing, models.Error) and missing.code == models.ErrorCode.NOT_FOUND and missing.status == 404


@pytest.mark.django_db(transaction=True)
def test_inviting_and_attendance_parse_in_the_generated_client(
    generated, live_server, police_coordinator, police, issue_key
):
    """POST /invitations/ answers a list (the schema once said a page, and the client crashed)."""
    _example, models = generated
    from gvi_client.api.invitations import invitations_create, invitations_list, invitations_partial_update

    # Held yesterday: attendance can be recorded (docs/call-ins.md).
    call_in = f.CallInFactory(
        organisation=police, status=m.CallInStatus.HELD, scheduled_at=timezone.now() - dt.timedelta(days=1)
    )
    persons = [f.PersonFactory(organisation=police) for _ in range(2)]
    _key, raw = issue_key(police, user=police_coordinator)
    client = _example.connect(live_server.url, raw)
    body = models.InvitationsInput(call_in=call_in.pk, persons=[p.pk for p in persons], source="Kallelse 1")
    created = invitations_create.sync(client=client, body=body, idempotency_key="invite-1")
    assert [invitation.person for invitation in created] == [p.pk for p in persons]
    page = invitations_list.sync(client=client, call_in=call_in.pk, page_size=1)
    assert len(page.results) == 1 and page.next_
    changed = invitations_partial_update.sync(
        client=client, id=created[0].id, body=models.AttendanceInput(status=models.InvitationStatus.ATTENDED)
    )
    assert changed.status == models.InvitationStatus.ATTENDED


@pytest.mark.django_db(transaction=True)
def test_the_example_runs_the_same_flows(generated, live_server, probation_officer, probation, issue_key, monkeypatch):
    example, _models = generated
    for _ in range(3):
        f.PersonFactory(organisation=probation)
    _key, raw = issue_key(probation)  # the organisation's key, with the acting person named
    monkeypatch.setenv("GVI_API_KEY", raw)
    printed = []
    monkeypatch.setattr("builtins.print", lambda text, **kwargs: printed.append(text))
    argv = ["--url", live_server.url, "--source", "KVV-1", "--page-size", "2"]
    assert example.main([*argv, "--acting-user", probation_officer.username]) == 0
    report = json.loads(printed[-1])
    assert report["persons"] == 3
    assert report["logged"]["status"] == 201
    assert report["replayed"] == {"status": 201, "id": report["logged"]["id"], "replayed": True}
    assert report["refused"]["code"] == "invalid" and "person" in report["refused"]["errors"]
    assert report["missing"]["code"] == "not_found"
    assert m.CustomNotification.objects.count() == 1
