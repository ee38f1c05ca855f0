"""The last pass over the generated schema: stable names, per-value enum descriptions, the guide.

A client generator names types after schema titles and parameter names: query parameters here
get no title (django-filter would give the model field's verbose name) and reuse the named enum
components, so a generated client has one `Sex` enum rather than one per list operation.
"""

import re

from api.idempotency import HEADER as IDEMPOTENCY_HEADER

GUIDE = """\
Partners' systems (a probation case system, a municipality's social services system, an analyst's
script) log their work in gvi through this API. This schema is the contract: generate a client
from it (e.g. with openapi-python-client). It is the same whatever Accept-Language says; error
messages (`detail`, `errors`) follow Accept-Language (`sv` by default, `en`).

## Authentication
Send `Authorization: Api-Key <prefix>.<secret>`. Keys belong to a partner organisation; a key may
name a person and then acts with that person's role, else it acts as the organisation's service
account (a partner officer). Keys expire and can be revoked; a missing, unknown, revoked or expired
key is a 401 with `WWW-Authenticate: Api-Key`.

## Access
A record the caller may not see answers 404, exactly as one that does not exist. A referenced id the
caller may not see (e.g. `person` in a POST) answers 400 "No such record.", exactly as a missing id.
A record the caller may see but not change answers 403.

## Lists
Cursor pagination: follow the `next` and `previous` links (their `cursor` is opaque; a bad cursor is
a 404). `page_size` from 1 to 200 (default 50). `ordering` takes one of the values listed for each
list (a leading `-` sorts descending); the id is always added as a tie-breaker, so paging never skips
or repeats a row. Filters by reference take a plain id (a whole number from 1): filtering by a record
you may not see gives an empty list. A filter, ordering or page size out of range is a 400.

## Errors
Every error has one shape, `Error`: `status`, a stable `code` to branch on, a human-readable `detail`
and, for a 400, field-level messages in `errors`.

## Writes that survive the network
Send an `Idempotency-Key` (e.g. a UUID) on every POST and reuse it when you retry. A retry with the
same key and body replays the first response (header `Idempotent-Replayed: true`) and stores nothing
new; the same key with another body or path is a 422. Every write is all or nothing.

## Rate limit
Requests are counted per key; past the limit the answer is a 429 with `Retry-After` (seconds).
"""

TAGS = {
    "custom-notifications": "The call-in message delivered one-to-one (custom notification), the services "
    "offered and the person's response.",
    "call-ins": "Meetings to which group members are summoned (read only).",
    "invitations": "Invitations to call-ins and their attendance.",
    "enforcement-actions": "Focused enforcement: each partner's actions, within its own mandate, against a group.",
    "service-referrals": "Help offered and taken up: exit programme, employment, housing, treatment, ...",
    "incidents": "Violent events with the persons involved and the groups they are attributed to.",
    "group-attributions": "Analysts' attributions of incidents to groups, confirmed or rejected by a second "
    "person (a coordinator) before they count in the violence score.",
    "follow-ups": "Tasks owned by the caller's organisation, with a due date and a status.",
    "persons": "Persons the caller may see (read only).",
    "groups": "Criminal groups or networks (read only).",
    "risk-assessments": "Structured assessments of threat to or from a person, with a next review date.",
    "supervisions": "Periods of supervision by the probation service (skyddstillsyn, villkorlig frigivning).",
    "exit-cases": "Exit support (avhopp): the plan, contacts and status, linked to a threat assessment.",
    "concern-reports": "Reports to social services (orosanmälan) about minors at risk.",
    "group-relations": "Conflicts and alliances between groups, over a period.",
    "memberships": "Proposals that a person is a member of a group (approved by another user in gvi).",
}

CHOICE_LINE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")


def _choice_labels(description: str) -> dict[str, str]:
    labels = {}
    for line in (description or "").splitlines():
        match = CHOICE_LINE.match(line.strip())
        if match:
            labels[match["value"]] = match["label"]
    return labels


def _describe_values(schema: dict) -> None:
    labels = _choice_labels(schema.get("description", ""))
    if labels and all(value in labels for value in schema["enum"]):
        schema["x-enum-descriptions"] = [labels[value] for value in schema["enum"]]


def _named_enums(components: dict) -> dict[frozenset, str]:
    by_values: dict[frozenset, list[str]] = {}
    for name, schema in components.items():
        if "enum" in schema:
            by_values.setdefault(frozenset(schema["enum"]), []).append(name)
    # Only an unambiguous match may replace an inline enum.
    return {values: names[0] for values, names in by_values.items() if len(names) == 1}


def stable_names_and_enum_descriptions(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    for schema in components.values():
        if "enum" in schema:
            _describe_values(schema)
    named = _named_enums(components)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                if parameter["in"] == "header" and parameter["name"] == IDEMPOTENCY_HEADER:
                    parameter["required"] = False  # said out loud: generators and readers need not guess
                if "enum" in schema and parameter["in"] == "query":
                    name = named.get(frozenset(schema["enum"]))
                    if name:
                        parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
                    else:
                        _describe_values(schema)
    result["info"]["description"] = f"{result['info'].get('description', '')}\n\n{GUIDE}".strip()
    used = {tag for operations in result.get("paths", {}).values() for op in operations.values() for tag in op["tags"]}
    result["tags"] = [{"name": name, "description": text} for name, text in TAGS.items() if name in used]
    return result
