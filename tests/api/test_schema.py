"""The published schema and docs: complete, valid, served offline; and a property test against it."""

import datetime as dt
import json

import pytest
import schemathesis
from django.apps import apps
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f


def _schema_dict():
    # In English, as api.views.docs.SchemaView serves it.
    with translation.override("en"):
        generated = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(generated))


SCHEMA = _schema_dict()


def test_schema_is_valid_openapi():
    validate_schema(SCHEMA)


@pytest.mark.django_db
def test_schema_and_docs_are_served_from_this_origin(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style>" not in html and "<script>" not in html  # the CSP allows no inline code
    assert "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_every_operation_documents_its_errors_and_every_post_its_idempotency_key():
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            for code in ("400", "401", "403", "404", "429"):
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"
            if method == "post":
                assert "422" in codes, path
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path
            assert operation.get("summary"), (method, path)


def test_enums_are_named_and_listed():
    components = SCHEMA["components"]["schemas"]
    assert components["NotificationResponse"]["enum"] == ["accepted_help", "listened", "refused", "not_reached"]
    assert components["InvitationStatus"]["enum"] == ["invited", "attended", "no_show", "excused"]
    assert "Confidence" in components and "IncidentType" in components


def test_the_three_most_common_calls_have_examples():
    paths = SCHEMA["paths"]
    for path, method in [
        ("/api/v1/custom-notifications/", "post"),
        ("/api/v1/invitations/{id}/", "patch"),
        ("/api/v1/incidents/", "post"),
    ]:
        examples = paths[path][method]["requestBody"]["content"]["application/json"].get("examples")
        assert examples, (method, path)


# --- the property test ---------------------------------------------------------------

# Every operation, with the schema's own examples (sent as they stand: the fixture creates the
# records they name) and ten generated cases, positive and negative. Bounded in time (about a
# minute): the coverage phase (hundreds of cases per operation) is left to a separate, longer run.
SCHEMATHESIS_CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 10, "mode": "all"},
    }
)
schema = schemathesis.openapi.from_dict(SCHEMA, config=SCHEMATHESIS_CONFIG)
schema.app = get_wsgi_application()
schema.location = "/api/schema/"


def _records_the_examples_name(police):
    """The records the schema's request examples refer to (api/examples.py), with those ids, so
    that each example is sent as it stands and must be accepted."""
    programme = police.programme
    person = f.PersonFactory(pk=42, organisation=police)
    # 51 is a minor: the concern-report example is about them.
    f.PersonFactory(pk=51, organisation=police, date_of_birth=timezone.localdate() - dt.timedelta(days=15 * 365))
    f.GroupFactory(pk=7, organisation=police)
    f.GroupFactory(pk=9, organisation=police)
    f.RiskAssessmentFactory(pk=57, person=person, organisation=police, assessed_on=dt.date(2026, 3, 2))
    f.AreaFactory(pk=2, programme=programme)
    f.CallInFactory(pk=12, organisation=police)
    for pk in (1, 2):
        f.InclusionCriterionFactory(pk=pk, programme=programme)
    # Rows inserted with their own ids leave the sequences behind (PostgreSQL): move them on.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_app_config("gvi").get_models()):
            cursor.execute(sql)


@pytest.fixture
def api_headers(db, police_coordinator, police, probation, issue_key):
    """A coordinator's key, the records the examples name, and a few more, so that some generated ids exist."""
    _records_the_examples_name(police)
    for _ in range(3):
        f.PersonFactory(organisation=police)
        f.GroupFactory(organisation=police)
        f.CustomNotificationFactory(organisation=probation)
        f.InvitationFactory(organisation=police)
        f.FollowUpFactory(owner_organisation=police)
    _obj, raw = issue_key(police, user=police_coordinator)
    # Called straight through WSGI, Django would close the test's database connection after each
    # request (as in production); Django's own test client switches that off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Api-Key {raw}", "Accept-Language": "en"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# What a well-formed request is refused with when it names records that do not exist (or that the
# caller may not see), or dates a time after now: the schema cannot say which ids exist or what
# time it is, so these 400s are not "valid data rejected" (the fields' descriptions say so). Any
# other 400 to data the schema calls valid is a disagreement between the two, and fails.
STATE_DEPENDENT_MESSAGES = {
    "No such record.",
    "An incident cannot be in the future.",
    "Give a time in or after 1970.",
    "This person already has a proposed or active membership of this group in that period.",
    # Attendance and invitations follow the call-in's lifecycle (docs/call-ins.md).
    "Attendance can be recorded on the day of the call-in, or once it is marked held.",
    "Mark the call-in held before recording attendance.",
    "The call-in was cancelled: there is no attendance to record.",
    "The call-in was cancelled: nobody can be invited to it.",
    # A concern report is about a minor: whether the person is one depends on the stored birth date.
    "A concern report is only made for a minor.",
    # The exit case's threat assessment must be about the same person: stored data.
    "The assessment must be about the same person.",
    # One open relation of a kind between two groups: whether one is open is stored data.
    "An open relation of this kind between these groups already exists.",
}
# The date bounds (gvi.dates) move with today, which the schema cannot state either.
STATE_DEPENDENT_PREFIXES = ("Give a date between 1970-01-01 and ", "Give a date of birth between ")


def _state_dependent(message: str) -> bool:
    return message in STATE_DEPENDENT_MESSAGES or message.startswith(STATE_DEPENDENT_PREFIXES)


SEEN_400S = []


def _messages(errors):
    if isinstance(errors, dict):
        return {message for value in errors.values() for message in _messages(value)}
    if isinstance(errors, list):
        return {message for value in errors for message in _messages(value)}
    return {str(errors)}


def valid_data_accepted(ctx, response, case):
    """schemathesis's positive_data_acceptance, less the 400s that depend on stored data."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if response.status_code == 422 and response.json()["code"] == "idempotency_key_reused":
            return None  # a generated key that an earlier case already used: the key's state, not the data
        if response.status_code == 400:
            messages = _messages(response.json().get("errors", {}))
            SEEN_400S.append((case.operation.label, messages))
            if messages and all(_state_dependent(message) for message in messages):
                return None
        raise


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_property_no_server_error_and_responses_match_the_schema(case, api_headers):
    case.call_and_validate(
        headers=api_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            valid_data_accepted,
        ],
    )
