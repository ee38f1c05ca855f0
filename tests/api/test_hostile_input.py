"""Hostile input against EVERY write endpoint of the API, discovered from the schema.

Each write operation in the OpenAPI schema gets a valid body here (the test fails for an endpoint
that has none, so a new endpoint is covered by default once it has one). Every hostile input is
sent to every endpoint; each must be refused with a 4xx in the API's error shape, and must leave
nothing written.
"""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def write_operations() -> list[tuple[str, str, dict]]:
    """(METHOD, path template, request schema) for every write operation the schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in WRITE_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref", "")
            body_schema = components.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
            operations.append((method.upper(), path, body_schema))
    return sorted(operations, key=lambda op: (op[1], op[0]))


OPERATIONS = write_operations()
OPERATION_IDS = [f"{method} {path}" for method, path, _schema in OPERATIONS]


def _date_fields(body_schema: dict) -> dict[str, str]:
    """Top-level fields of the request with a date or date-time format: name -> format."""
    return {
        name: prop["format"]
        for name, prop in body_schema.get("properties", {}).items()
        if prop.get("format") in ("date", "date-time")
    }


@pytest.fixture
def scene(police, police_coordinator, programme, probation, social_services):
    """One record of each kind the write endpoints take, owned by the police coordinator's organisation
    (or, for the work only another kind of partner records, by a coordinator of that partner)."""
    person = f.PersonFactory(organisation=police)
    group = f.GroupFactory(organisation=police)
    # Held yesterday: it takes invitations and attendance (docs/call-ins.md).
    call_in = f.CallInFactory(
        organisation=police,
        programme=programme,
        status=m.CallInStatus.HELD,
        scheduled_at=timezone.now() - dt.timedelta(days=1),
    )
    return {
        "person": person,
        "group": group,
        "call_in": call_in,
        "criteria": [f.InclusionCriterionFactory(programme=programme) for _ in range(2)],
        "invitations": f.InvitationFactory(call_in=call_in, person=person, organisation=police),
        "follow-ups": f.FollowUpFactory(owner_organisation=police, programme=programme),
        "service-referrals": f.ServiceReferralFactory(person=person, organisation=police),
        "minor": f.PersonFactory(organisation=police, date_of_birth=timezone.localdate() - dt.timedelta(days=15 * 365)),
        "other_group": f.GroupFactory(organisation=police),
        "supervisions": f.SupervisionFactory(person=person, organisation=probation),
        "exit-cases": f.ExitCaseFactory(person=person, organisation=social_services),
        # Supervision is probation's work and exit support social services' (gvi.sharing.RECORDED_BY).
        "writers": {
            "supervisions": f.UserFactory(organisation=probation, role=m.Role.COORDINATOR),
            "exit-cases": f.UserFactory(organisation=social_services, role=m.Role.COORDINATOR),
        },
        "risk-assessments": f.RiskAssessmentFactory(person=person, organisation=police),
        "group-relations": f.GroupRelationFactory(group_a=group, organisation=police),
        # An analyst's attribution awaiting a second person: the police coordinator decides it.
        "group-attributions": f.GroupAttributionFactory(
            organisation=police,
            group=group,
            status=m.AttributionStatus.PROPOSED,
            created_by=f.UserFactory(organisation=police, role=m.Role.ANALYST),
        ),
    }


def _today():
    return str(timezone.localdate())


# A valid body per write operation: (METHOD, path template) -> body(scene).
VALID_BODIES = {
    ("POST", "/api/v1/custom-notifications/"): lambda s: {
        "person": s["person"].pk,
        "delivered_on": _today(),
        "response": "accepted_help",
        "services_offered": ["employment"],
        "source": "KVV-1",
    },
    ("POST", "/api/v1/enforcement-actions/"): lambda s: {
        "group": s["group"].pk,
        "kind": "control",
        "performed_on": _today(),
        "source": "Insats 1",
    },
    ("PATCH", "/api/v1/follow-ups/{id}/"): lambda s: {"status": "in_progress"},
    ("POST", "/api/v1/incidents/"): lambda s: {
        "incident_type": "shooting",
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "source": "K-1-26",
    },
    ("POST", "/api/v1/invitations/"): lambda s: {
        "call_in": s["call_in"].pk,
        "persons": [f.PersonFactory(organisation=s["person"].organisation).pk],
        "source": "Beslut 1",
    },
    ("PATCH", "/api/v1/invitations/{id}/"): lambda s: {"status": "attended"},
    ("POST", "/api/v1/membership-proposals/"): lambda s: {
        "person": s["person"].pk,
        "group": s["group"].pk,
        "start_date": _today(),
        "source": "Underrättelse 1",
        "evidence": [{"criterion": c.pk, "source_reference": f"Ref {c.pk}"} for c in s["criteria"]],
    },
    ("POST", "/api/v1/risk-assessments/"): lambda s: {
        "person": s["person"].pk,
        "kind": "threat_to",
        "level": "high",
        "assessed_on": _today(),
        "next_review_on": str(timezone.localdate() + dt.timedelta(days=30)),
        "source": "Bedömning 1",
    },
    ("POST", "/api/v1/service-referrals/"): lambda s: {
        "person": s["person"].pk,
        "kind": "housing",
        "offered_on": _today(),
        "source": "Remiss 1",
    },
    ("PATCH", "/api/v1/service-referrals/{id}/"): lambda s: {"status": "accepted"},
    ("PATCH", "/api/v1/risk-assessments/{id}/"): lambda s: {
        "level": "low",
        "next_review_on": str(timezone.localdate() + dt.timedelta(days=60)),
        "contact_ban": True,
    },
    ("POST", "/api/v1/supervisions/"): lambda s: {
        "person": s["person"].pk,
        "kind": "probation",
        "start_date": _today(),
        "end_date": str(timezone.localdate() + dt.timedelta(days=365)),
        "source": "KVV-2",
    },
    ("PATCH", "/api/v1/supervisions/{id}/"): lambda s: {"end_date": str(timezone.localdate() + dt.timedelta(days=90))},
    ("POST", "/api/v1/exit-cases/"): lambda s: {
        "person": s["person"].pk,
        "opened_on": _today(),
        "plan": "Bostad och arbete",
        "source": "Avhopp 1",
    },
    ("PATCH", "/api/v1/exit-cases/{id}/"): lambda s: {"status": "active", "plan": "Ny plan"},
    ("POST", "/api/v1/concern-reports/"): lambda s: {
        "person": s["minor"].pk,
        "reported_on": _today(),
        "reason": "Sedd med gruppen",
        "source": "K-2-26",
    },
    ("POST", "/api/v1/group-relations/"): lambda s: {
        "group_a": s["group"].pk,
        "group_b": s["other_group"].pk,
        "kind": "conflict",
        "start_date": _today(),
        "source": "Underrättelse 2",
    },
    ("PATCH", "/api/v1/group-relations/{id}/"): lambda s: {"end_date": _today()},
    ("POST", "/api/v1/group-attributions/{id}/decision/"): lambda s: {
        "decision": "confirm",
        "reason": "Två oberoende källor",
    },
}


def _url(path: str, scene) -> str:
    """The path with its {id} filled by a record of the scene the route's view serves."""
    if "{id}" not in path:
        return path
    # The resource is the segment before {id} (also for an action such as .../{id}/decision/).
    segments = path.strip("/").split("/")
    kind = segments[segments.index("{id}") - 1]
    assert kind in scene, f"Give the scene (above) a record for {path}"
    return path.replace("{id}", str(scene[kind].pk))


def _writer(path: str, scene, default):
    """Who sends the request: the police coordinator, or the partner whose work the path records."""
    return scene["writers"].get(path.removeprefix("/api/v1/").split("/")[0], default)


def _counts() -> dict[str, int]:
    """Rows per gvi and api model, but the access log (reads are logged whatever the answer)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in [*apps.get_app_config("gvi").get_models(), *apps.get_app_config("api").get_models()]
        if model is not m.AccessLog
    }


def _assert_error_shape(response, statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}, body
    assert body["status"] == response.status_code
    assert body["detail"]
    return body


def _send(client, method, url, data: bytes | str, content_type="application/json", **extra):
    return client.generic(method, url, data, content_type=content_type, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_every_write_operation_has_a_valid_body():
    assert OPERATIONS, "the schema lists no write operation"
    missing = [f"{method} {path}" for method, path, _s in OPERATIONS if (method, path) not in VALID_BODIES]
    assert not missing, f"Add a valid body to VALID_BODIES for: {missing}"
    unknown = set(VALID_BODIES) - {(method, path) for method, path, _s in OPERATIONS}
    assert not unknown, f"VALID_BODIES names operations the schema does not have: {unknown}"


@pytest.mark.parametrize(("method", "path", "body_schema"), OPERATIONS, ids=OPERATION_IDS)
def test_the_valid_body_is_accepted(client_for, police_coordinator, scene, method, path, body_schema):
    """The baseline: the hostile variants below differ from an accepted request in one way only."""
    client = client_for(_writer(path, scene, police_coordinator))
    body = VALID_BODIES[(method, path)](scene)
    response = _send(client, method, _url(path, scene), json.dumps(body))
    assert response.status_code in (200, 201), response.json()


DEEP = 1100
HOSTILE_BODIES = {
    "deep object": ('{"a":' * DEEP + "1" + "}" * DEEP, "application/json", (400,)),
    "deep list": ("[" * DEEP + "]" * DEEP, "application/json", (400,)),
    "deep but parseable": ('{"source":' + "[" * 200 + "]" * 200 + "}", "application/json", (400,)),
    "10 MB body": (json.dumps({"source": "x" * (10 * 1024 * 1024)}), "application/json", (413,)),
    "broken JSON": ('{"source": ', "application/json", (400,)),
    "not UTF-8": (b'{"source": "\xff\xfe"}', "application/json", (400,)),
    "NaN": ('{"source": NaN}', "application/json", (400,)),
    "a list": ("[]", "application/json", (400,)),
    "a string": ('"text"', "application/json", (400,)),
    "a number": ("42", "application/json", (400,)),
    "null": ("null", "application/json", (400,)),
    "true": ("true", "application/json", (400,)),
    "empty body": ("", "application/json", (400,)),
    "plain text": ("source=x", "text/plain", (415,)),
    "form": ("source=x", "application/x-www-form-urlencoded", (415,)),
    "multipart": ("--b\r\n\r\n", "multipart/form-data; boundary=b", (415,)),
    "XML": ("<a/>", "application/xml", (415,)),
}


@pytest.mark.parametrize("hostile", list(HOSTILE_BODIES))
@pytest.mark.parametrize(("method", "path", "body_schema"), OPERATIONS, ids=OPERATION_IDS)
def test_hostile_body_is_refused_in_the_error_shape(
    client_for, police_coordinator, scene, method, path, body_schema, hostile
):
    client = client_for(_writer(path, scene, police_coordinator))
    data, content_type, statuses = HOSTILE_BODIES[hostile]
    before = _counts()
    response = _send(client, method, _url(path, scene), data, content_type, HTTP_IDEMPOTENCY_KEY=f"h-{hostile}")
    _assert_error_shape(response, statuses)
    assert _counts() == before


# Dates no record should carry; a date-time also in a zone that could push it off the calendar.
BAD_DATES = {
    "date": ["1900-01-01", "9999-12-31", "0001-01-01", "1969-12-31"],
    "date-time": [
        "1900-01-01T12:00:00+01:00",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59+14:00",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00-12:00",
    ],
}


def _bad_date_cases():
    for method, path, body_schema in OPERATIONS:
        for name, fmt in _date_fields(body_schema).items():
            for value in BAD_DATES[fmt]:
                yield pytest.param(method, path, name, value, id=f"{method} {path} {name}={value}")


@pytest.mark.parametrize(("method", "path", "field", "value"), list(_bad_date_cases()))
def test_a_date_out_of_bounds_is_refused(client_for, police_coordinator, scene, method, path, field, value):
    client = client_for(_writer(path, scene, police_coordinator))
    body = {**VALID_BODIES[(method, path)](scene), field: value}
    before = _counts()
    response = _send(client, method, _url(path, scene), json.dumps(body))
    errors = _assert_error_shape(response, (400,))["errors"]
    assert field in errors, errors
    assert _counts() == before


def test_every_date_field_of_the_api_is_in_the_table():
    """The date test above reaches the date fields through the schema: make sure it finds some."""
    found = {(path, name) for _m, path, schema in OPERATIONS for name in _date_fields(schema)}
    assert ("/api/v1/custom-notifications/", "delivered_on") in found
    assert ("/api/v1/incidents/", "occurred_at") in found


NON_ASCII_DIGITS = {"Arabic-Indic": "١٢", "Persian": "۱۲", "full-width": "１２"}


@pytest.mark.parametrize("script", list(NON_ASCII_DIGITS))
@pytest.mark.parametrize(("method", "path", "body_schema"), OPERATIONS, ids=OPERATION_IDS)
def test_non_ascii_digits_in_every_field_never_fail(
    client_for, police_coordinator, scene, method, path, body_schema, script
):
    """Each field in turn gets digits of another script: refused in the error shape, or taken
    as the same value as ASCII digits would be; never a 500."""
    client = client_for(_writer(path, scene, police_coordinator))
    valid = VALID_BODIES[(method, path)](scene)
    for field in valid:
        body = {**valid, field: NON_ASCII_DIGITS[script]}
        response = _send(client, method, _url(path, scene), json.dumps(body))
        if response.status_code >= 400:
            _assert_error_shape(response, (400,))
        else:
            assert response.status_code in (200, 201)


def test_schema_and_url_conf_agree_on_the_write_endpoints():
    """Each write path of the schema resolves to a view of the URL conf (not the JSON 404)."""
    for _method, path, _schema in OPERATIONS:
        match = resolve(path.replace("{id}", "1"))
        assert match.url_name != "not-found", path
