"""The schema is a contract: what it says is what the server does, the same for every caller."""

import datetime as dt
import json
import re

import jsonschema
import pytest
from django.test import Client

from api.exceptions import ErrorCode
from tests import factories as f
from tests.api.test_cache_outage import closed_port

pytestmark = pytest.mark.django_db

OPERATIONS = ("get", "post", "patch", "put", "delete")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield path, method, operation


def _parameters(operation, location="query"):
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == location}


def test_the_schema_is_the_same_whatever_the_language(client):
    english = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    swedish = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="sv")
    default = client.get("/api/schema/?format=json")
    asked = client.get("/api/schema/?format=json&lang=sv", HTTP_ACCEPT_LANGUAGE="sv")
    assert english.content == swedish.content == default.content == asked.content
    assert swedish["Content-Language"] == "en"
    # Yet errors still follow the caller's language.
    error = client.get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="sv").json()
    assert error["code"] == "not_authenticated" and "autentiserings" in error["detail"].lower()


def test_every_name_a_generator_uses_is_plain_english(schema):
    names = list(schema["components"]["schemas"])
    for _path, _method, operation in _operations(schema):
        names.append(operation["operationId"])
        names += [p["name"] for p in operation.get("parameters", [])]
        for parameter in operation.get("parameters", []):
            assert "title" not in parameter["schema"], (operation["operationId"], parameter["name"])
    for component in schema["components"]["schemas"].values():
        names += list(component.get("properties", {}))
        names += [str(value) for value in component.get("enum", [])]
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]+", name) for name in names), [n for n in names if not n.isascii()]


def test_query_enums_reuse_the_named_enums(schema):
    persons = _parameters(schema["paths"]["/api/v1/persons/"]["get"])
    assert persons["sex"]["schema"] == {"$ref": "#/components/schemas/Sex"}
    assert persons["confidence"]["schema"] == {"$ref": "#/components/schemas/Confidence"}


def test_inviting_answers_a_plain_list_and_takes_no_list_parameters(schema, client_for, police_coordinator, police):
    post = schema["paths"]["/api/v1/invitations/"]["post"]
    body = post["responses"]["201"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/InvitationOutput"}}
    assert set(_parameters(post)) == set()
    assert set(_parameters(post, "header")) == {"Idempotency-Key"}
    call_in = f.CallInFactory(organisation=police)
    person = f.PersonFactory(organisation=police)
    response = client_for(police_coordinator).post(
        "/api/v1/invitations/", {"call_in": call_in.pk, "persons": [person.pk], "source": "Kallelse 1"}, format="json"
    )
    assert response.status_code == 201 and isinstance(response.json(), list)
    # Only GET lists are paginated and filtered.
    for path, method, operation in _operations(schema):
        is_list = method == "get" and operation["operationId"].endswith("_list")
        assert ("page_size" in _parameters(operation)) == is_list, (method, path)


def test_id_filters_and_path_ids_are_integers_from_1(schema):
    seen = 0
    for path, method, operation in _operations(schema):
        for name, parameter in {**_parameters(operation), **_parameters(operation, "path")}.items():
            if name in ("id", "person", "group", "organisation", "call_in", "area", "home_area", "notification"):
                assert parameter["schema"]["type"] == "integer", (method, path, name)
                assert parameter["schema"]["minimum"] == 1, (method, path, name)
                seen += 1
    assert seen > 20


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "x", str(2**63)])
def test_an_id_filter_out_of_range_is_400(client_for, probation_officer, value):
    response = client_for(probation_officer).get(f"/api/v1/custom-notifications/?person={value}")
    assert response.status_code == 400 and "person" in response.json()["errors"]


@pytest.mark.parametrize(
    "path, field, factory",
    [
        ("/api/v1/call-ins/", "scheduled_at", f.CallInFactory),
        ("/api/v1/incidents/", "occurred_at", f.IncidentFactory),
    ],
)
def test_date_time_filters_take_every_offset_the_parser_accepts(
    client_for, police_coordinator, police, path, field, factory
):
    """PostgreSQL takes offsets up to 15:59 only: the filters compare in UTC (a 500 before)."""
    record = factory(organisation=police, **{field: dt.datetime(2026, 8, 2, 9, 0, tzinfo=dt.UTC)})
    api = client_for(police_coordinator)

    def ids(value):
        response = api.get(path, {f"{field}__gte": value})
        assert response.status_code == 200, (value, response.json())
        return [row["id"] for row in response.json()["results"]]

    assert ids("2026-08-03T00:48:46+16:00") == [record.pk]
    assert ids("2026-08-03T01:00:00+16:00") == [record.pk]
    assert ids("2026-08-03T01:00:01+16:00") == []
    assert ids("2026-08-01T09:02:00-23:59") == []
    assert ids("2026-08-01T09:00:00-23:59") == [record.pk]
    for value in ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "2026-08-03T00:00:00+24:00"]:
        response = api.get(path, {f"{field}__gte": value}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, value
        assert list(response.json()["errors"]) == [f"{field}__gte"]


def test_services_offered_is_a_list_of_service_kinds(schema):
    field = schema["components"]["schemas"]["CustomNotificationOutput"]["properties"]["services_offered"]
    assert field["type"] == "array" and field["items"] == {"$ref": "#/components/schemas/ServiceKind"}


def test_error_codes_are_an_enum_with_a_description_each(schema):
    error = schema["components"]["schemas"]["Error"]["properties"]["code"]
    code = schema["components"]["schemas"]["ErrorCode"]
    assert error["allOf"] == [{"$ref": "#/components/schemas/ErrorCode"}] or error.get("$ref")
    assert code["enum"] == list(ErrorCode.values)
    assert "not_acceptable" in code["enum"]
    assert len(code["x-enum-descriptions"]) == len(code["enum"]) and all(code["x-enum-descriptions"])


def test_every_error_code_is_really_returned(client, client_for, probation_officer, probation, settings):
    """Each documented code, produced by a request: the enum lists what the server answers with."""
    api = client_for(probation_officer)
    person = f.PersonFactory(organisation=probation)
    police_invitation = f.InvitationFactory(organisation=f.OrganisationFactory(programme=probation.programme))
    body = {"person": person.pk, "delivered_on": "2026-03-02", "response": "listened", "source": "x"}
    url = "/api/v1/custom-notifications/"
    seen = {
        api.post(url, {"person": "x"}, format="json").json()["code"],
        api.generic("POST", url, "{not json", content_type="application/json").json()["code"],
        client.get(url).json()["code"],
        client.get(url, HTTP_AUTHORIZATION="Api-Key nope.nope").json()["code"],
        api.patch(f"/api/v1/invitations/{police_invitation.pk}/", {"status": "attended"}, format="json").json()["code"],
        api.get(f"{url}999999/").json()["code"],
        api.delete(url).json()["code"],
        api.get(url, HTTP_ACCEPT="text/html").json()["code"],
        api.generic("POST", url, "person=1", content_type="text/plain").json()["code"],
    }
    assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    seen.add(api.post(url, {**body, "source": "y"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1").json()["code"])
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "1/min"}}
    seen.add(api.get(url).json()["code"])
    caches = settings.CACHES
    unreachable = {"BACKEND": "config.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    settings.CACHES = {**caches, "default": unreachable}  # and no fallback
    seen.add(api.get(url).json()["code"])
    settings.CACHES = caches
    assert seen == set(ErrorCode.values)


def test_ordering_lists_its_values_and_refuses_others(schema, client_for, probation_officer, probation):
    for path, _method, operation in _operations(schema):
        if operation["operationId"].endswith("_list"):
            ordering = _parameters(operation)["ordering"]["schema"]
            assert "id" in ordering["enum"] and "-id" in ordering["enum"], path
    listed = _parameters(schema["paths"]["/api/v1/custom-notifications/"]["get"])["ordering"]["schema"]["enum"]
    assert listed == ["id", "-id", "delivered_on", "-delivered_on", "created_at", "-created_at"]
    f.CustomNotificationFactory(organisation=probation)
    api = client_for(probation_officer)
    for value in listed:
        assert api.get(f"/api/v1/custom-notifications/?ordering={value}").status_code == 200, value
    for value in ["response", "-person__last_name", "id,delivered_on", ""]:
        response = api.get(f"/api/v1/custom-notifications/?ordering={value}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, value
        assert "delivered_on" in response.json()["errors"]["ordering"][0]


def test_page_size_has_its_maximum(schema, client_for, probation_officer, probation):
    parameter = _parameters(schema["paths"]["/api/v1/persons/"]["get"])["page_size"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    f.PersonFactory.create_batch(3, organisation=probation)
    api = client_for(probation_officer)
    assert len(api.get("/api/v1/persons/?page_size=2").json()["results"]) == 2
    assert api.get("/api/v1/persons/?page_size=200").status_code == 200
    for value in ["0", "201", "-1", "abc", "2.0"]:
        assert api.get(f"/api/v1/persons/?page_size={value}").status_code == 400, value
    swedish = api.get("/api/v1/persons/?page_size=0", HTTP_ACCEPT_LANGUAGE="sv").json()
    assert swedish["errors"] == {"page_size": ["Ange ett heltal från 1 till 200."]}


def test_the_idempotency_key_states_its_form_and_whether_it_is_required(schema):
    for _path, method, operation in _operations(schema):
        if method != "post":
            continue
        key = _parameters(operation, "header")["Idempotency-Key"]
        assert key["required"] is False
        assert key["schema"] == {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}
        assert "Optional" in key["description"]


def test_patch_bodies_require_the_status(schema):
    for path in ("/api/v1/follow-ups/{id}/", "/api/v1/invitations/{id}/", "/api/v1/service-referrals/{id}/"):
        ref = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert component["required"] == ["status"], path
        assert schema["paths"][path]["patch"]["requestBody"]["required"] is True


def test_401_names_its_scheme_and_the_schema_has_servers_tags_and_the_guide(schema, client):
    for _path, _method, operation in _operations(schema):
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        assert len(operation["tags"]) == 1
    assert client.get("/api/v1/persons/")["WWW-Authenticate"] == "Api-Key"
    assert schema["servers"] == [{"url": "/", "description": "The gvi server that serves this schema."}]
    tags = {tag["name"]: tag["description"] for tag in schema["tags"]}
    used = {operation["tags"][0] for _p, _m, operation in _operations(schema)}
    assert used == set(tags) and all(tags.values())
    description = schema["info"]["description"]
    assert "Idempotency-Key" in description and "Api-Key" in description
    assert "docs/" not in json.dumps(schema)  # nothing points to a file partners cannot see
    for component in schema["components"]["schemas"].values():
        if "enum" in component:
            assert len(component["x-enum-descriptions"]) == len(component["enum"]), component


# --- examples ---------------------------------------------------------------------------


def _resolved(schema, node):
    """An OpenAPI 3.0 schema as JSON Schema: $refs inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [_resolved(schema, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _resolved(schema, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
    result = {key: _resolved(schema, value) for key, value in node.items() if not key.startswith("x-")}
    if result.pop("nullable", False):
        result = {"anyOf": [result, {"type": "null"}]}
    result.pop("readOnly", None)
    return result


def _check_examples(schema, content, where):
    media = content["application/json"]
    assert media.get("examples"), where
    validator = jsonschema.Draft202012Validator(
        _resolved(schema, media["schema"]), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for name, example in media["examples"].items():
        errors = [error.message for error in validator.iter_errors(example["value"])]
        assert not errors, (where, name, errors)


def test_every_write_has_a_request_example_every_answer_and_error_a_response_example(schema):
    for path, method, operation in _operations(schema):
        if method in ("post", "patch"):
            _check_examples(schema, operation["requestBody"]["content"], (method, path, "request"))
        for code, response in operation["responses"].items():
            if "content" in response:
                _check_examples(schema, response["content"], (method, path, code))


def _example(schema, path, method="post"):
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return next(iter(content["examples"].values()))["value"]


@pytest.mark.parametrize("caller", ["probation_officer", "social_services_officer"])
def test_the_notification_example_is_accepted_from_any_partner(schema, client_for, caller, request, police):
    user = request.getfixturevalue(caller)
    body = _example(schema, "/api/v1/custom-notifications/")
    assert "delivering_organisations" not in body
    person = f.PersonFactory(organisation=user.organisation)
    group = f.GroupFactory(organisation=police)
    response = client_for(user).post(
        "/api/v1/custom-notifications/", {**body, "person": person.pk, "group": group.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["delivering_organisations"] == [user.organisation_id]
