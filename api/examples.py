"""Examples in the schema: a request for every POST and PATCH, a response for every GET, each error.

Synthetic data only. A test validates every example against the schema it illustrates.
The request examples name no delivering organisations and no other organisation's records, so a
partner can send them as they are once the ids exist in their own programme.
"""

from drf_spectacular.utils import OpenApiExample

CREATED_AT = "2026-03-02T08:12:00+01:00"
SOURCED = {"source": "K-123456-26", "confidence": "probable", "organisation": 1, "created_at": CREATED_AT}
SOURCED["updated_at"] = CREATED_AT

PERSON = {
    "id": 42,
    "first_name": "Adam",
    "last_name": "Exempelsson",
    "date_of_birth": "2003-05-17",
    "sex": "male",
    "is_minor": False,
    "home_area": 2,
    **SOURCED,
}
GROUP = {
    "id": 7,
    "name": "Gruppering Norr",
    "status": "active",
    "description": "",
    "areas": [2],
    "aliases": ["Norrgänget"],
    **SOURCED,
}
NOTIFICATION_INPUT = {
    "person": 42,
    "group": 7,
    "delivered_on": "2026-03-02",
    "response": "accepted_help",
    "response_note": "Wants to talk to the exit programme.",
    "services_offered": ["exit_programme", "employment"],
    "source": "KVV-2026-0113",
    "confidence": "confirmed",
}
NOTIFICATION = {
    "id": 311,
    **NOTIFICATION_INPUT,
    "message_delivered": True,
    "delivering_organisations": [1],
    **{key: value for key, value in SOURCED.items() if key != "source"},
}
CALL_IN = {
    "id": 12,
    "scheduled_at": "2026-03-10T17:00:00+01:00",
    "venue": "Stadshuset, sal B",
    "status": "planned",
    "status_changed_at": None,
    "status_note": "",
    "notes": "",
    "organisation": 1,
    "speakers": [
        {
            "position": 1,
            "kind": "police",
            "name": "Polisområdeschefen",
            "organisation": 1,
            "message_kind": "enforcement",
            "message": "Våldet upphör nu. Nästa skjutning får hela gruppen svara för.",
        },
        {
            "position": 2,
            "kind": "bereaved_mother",
            "name": "En mamma från området",
            "organisation": None,
            "message_kind": "moral",
            "message": "Om min son; om vad våldet tog från oss.",
        },
    ],
    "created_at": CREATED_AT,
}
INVITATIONS_INPUT = {"call_in": 12, "persons": [42, 51], "source": "Kallelse 12", "confidence": "confirmed"}
INVITATION = {"id": 88, "call_in": 12, "person": 42, "status": "invited", **SOURCED, "source": "Kallelse 12"}
ATTENDANCE_INPUT = {"status": "attended"}
ENFORCEMENT_INPUT = {
    "group": 7,
    "person": 42,
    "kind": "probation_check",
    "performed_on": "2026-03-04",
    "outcome": "Met his probation officer as required.",
    "source": "KVV-2026-0120",
}
ENFORCEMENT_ACTION = {"id": 905, **ENFORCEMENT_INPUT, "flag": 3, **SOURCED, "source": "KVV-2026-0120"}
REFERRAL_INPUT = {"person": 42, "kind": "employment", "offered_on": "2026-03-02", "source": "Soc-2026-88"}
SERVICE_REFERRAL = {
    "id": 410,
    **REFERRAL_INPUT,
    "status": "offered",
    "notification": 311,
    **SOURCED,
    "source": "Soc-2026-88",
}
REFERRAL_STATUS_INPUT = {"status": "accepted"}
INCIDENT_INPUT = {
    "incident_type": "shooting",
    "occurred_at": "2026-03-01T22:40:00+01:00",
    "area": 2,
    "place": "Parkeringen vid torget",
    "injured": 1,
    "source": "K-123456-26",
    "confidence": "probable",
    "involvements": [{"person": 42, "role": "suspect"}, {"person": 51, "role": "victim"}],
    "attributions": [{"group": 7, "share": "1.000"}],
}
_PROVENANCE = {"source": "K-123456-26", "confidence": "probable", "organisation": 1}
INCIDENT = {
    "id": 1204,
    "incident_type": "shooting",
    "occurred_at": "2026-03-01T22:40:00+01:00",
    "area": 2,
    "place": "Parkeringen vid torget",
    "killed": 0,
    "injured": 1,
    "verification_status": "reported",
    "description": "",
    "involvements": [
        {"id": 5001, "person": 42, "role": "suspect", **_PROVENANCE},
        {"id": 5002, "person": 51, "role": "victim", **_PROVENANCE},
    ],
    "attributions": [
        {
            "id": 700,
            "group": 7,
            "share": "1.000",
            **_PROVENANCE,
            # An analyst's attribution counts once a second person confirms it (four eyes).
            "status": "proposed",
            "created_by": 12,
            "confirmed_by": None,
            "confirmed_at": None,
        }
    ],
    **SOURCED,
}
ATTRIBUTION = {
    **INCIDENT["attributions"][0],
    "incident": INCIDENT["id"],
    "decision_reason": "",
}
ATTRIBUTION_DECISION_INPUT = {
    "decision": "confirm",
    "reason": "Two independent sources name the group; the victim belongs to its rival.",
}
# The attribution once a coordinator other than the analyst confirmed it.
ATTRIBUTION_DECIDED = {
    **ATTRIBUTION,
    "status": "confirmed",
    "confirmed_by": 15,
    "confirmed_at": "2026-03-02T09:40:00+01:00",
    "decision_reason": ATTRIBUTION_DECISION_INPUT["reason"],
}
FOLLOW_UP = {
    "id": 230,
    "title": "Follow up the offer of employment support",
    "description": "",
    "due_date": "2026-03-16",
    "status": "open",
    "is_overdue": False,
    "origin": "rule",
    "rule": "after_notification",
    "owner_organisation": 1,
    "owner_user": None,
    "person": 42,
    "group": 7,
    "completed_at": None,
    "created_at": CREATED_AT,
    "updated_at": CREATED_AT,
}
FOLLOW_UP_STATUS_INPUT = {"status": "done"}
RISK_INPUT = {
    "person": 42,
    "kind": "threat_to",
    "level": "high",
    "assessed_on": "2026-03-02",
    "next_review_on": "2026-04-02",
    "summary": "Threats after the shooting on 1 March.",
    "source": "Bops-2026-14",
}
RISK_INPUT.update(
    {
        "protection": "Alarm at home; protected address applied for.",
        "support": "Contact at victim support; weekly talks with social services.",
        "actor_measures": "Police talk with the threat actor; probation condition reviewed.",
        "contact_ban": True,
    }
)
RISK_ASSESSMENT = {"id": 57, **RISK_INPUT, **SOURCED, "source": "Bops-2026-14"}
RISK_CHANGE_INPUT = {"level": "medium", "next_review_on": "2026-05-04", "contact_ban": False}
SUPERVISION_INPUT = {
    "person": 42,
    "kind": "conditional_release",
    "start_date": "2026-03-01",
    "end_date": "2027-02-28",
    "source": "KVV-2026-0131",
    "confidence": "confirmed",
}
SUPERVISION = {
    "id": 77,
    **SUPERVISION_INPUT,
    **{key: value for key, value in SOURCED.items() if key not in ("source", "confidence")},
}
SUPERVISION_CHANGE_INPUT = {"end_date": "2026-12-31"}
EXIT_CASE_INPUT = {
    "person": 42,
    "opened_on": "2026-03-03",
    "status": "active",
    "plan": "Move to another city; training place from April.",
    "contacts": "Case worker at the exit organisation; mentor; social services.",
    "risk_assessment": 57,
    "source": "Avhopp-2026-09",
}
EXIT_CASE = {"id": 31, **EXIT_CASE_INPUT, "closed_on": None, **SOURCED, "source": "Avhopp-2026-09"}
EXIT_CASE_CHANGE_INPUT = {"status": "completed"}
CONCERN_REPORT_INPUT = {
    "person": 51,
    "reported_on": "2026-03-02",
    "reason": "Seen with the group at the scene of the shooting; 15 years old.",
    "source": "K-123456-26",
}
CONCERN_REPORT = {"id": 19, **CONCERN_REPORT_INPUT, "social_services_reference": "Soc-2026-301", **SOURCED}
CONCERN_REPORT["source"] = "K-123456-26"
GROUP_RELATION_INPUT = {
    "group_a": 7,
    "group_b": 9,
    "kind": "conflict",
    "start_date": "2026-01-15",
    "description": "Shootings between the groups since January.",
    "source": "Underrättelse 2026-12",
    "confidence": "probable",
}
GROUP_RELATION = {"id": 14, **GROUP_RELATION_INPUT, "end_date": None, **SOURCED, "source": "Underrättelse 2026-12"}
GROUP_RELATION_CHANGE_INPUT = {"end_date": "2026-03-01"}
MEMBERSHIP_INPUT = {
    "person": 42,
    "group": 7,
    "start_date": "2025-09-01",
    "role": "member",
    "evidence": [
        {"criterion": 1, "source_reference": "K-100200-25"},
        {"criterion": 2, "source_reference": "Underrättelse 2025-77", "note": "Seen with the group twice."},
    ],
    "source": "Analys 2026-03",
}
MEMBERSHIP = {
    "id": 640,
    "person": 42,
    "group": 7,
    "start_date": "2025-09-01",
    "end_date": None,
    "role": "member",
    "is_key_individual": False,
    "status": "proposed",
    "review_due": "2026-09-01",
    "evidence": [
        {"criterion": 1, "source_reference": "K-100200-25", "note": ""},
        {"criterion": 2, "source_reference": "Underrättelse 2025-77", "note": "Seen with the group twice."},
    ],
    **SOURCED,
    "source": "Analys 2026-03",
}

# path segment -> (record as output, POST body, PATCH body)
RESOURCES = {
    "persons": (PERSON, None, None),
    "groups": (GROUP, None, None),
    "custom-notifications": (NOTIFICATION, NOTIFICATION_INPUT, None),
    "call-ins": (CALL_IN, None, None),
    "invitations": (INVITATION, INVITATIONS_INPUT, ATTENDANCE_INPUT),
    "enforcement-actions": (ENFORCEMENT_ACTION, ENFORCEMENT_INPUT, None),
    "service-referrals": (SERVICE_REFERRAL, REFERRAL_INPUT, REFERRAL_STATUS_INPUT),
    "incidents": (INCIDENT, INCIDENT_INPUT, None),
    "group-attributions": (ATTRIBUTION, None, None),
    "follow-ups": (FOLLOW_UP, None, FOLLOW_UP_STATUS_INPUT),
    "risk-assessments": (RISK_ASSESSMENT, RISK_INPUT, RISK_CHANGE_INPUT),
    "supervisions": (SUPERVISION, SUPERVISION_INPUT, SUPERVISION_CHANGE_INPUT),
    "exit-cases": (EXIT_CASE, EXIT_CASE_INPUT, EXIT_CASE_CHANGE_INPUT),
    "concern-reports": (CONCERN_REPORT, CONCERN_REPORT_INPUT, None),
    "group-relations": (GROUP_RELATION, GROUP_RELATION_INPUT, GROUP_RELATION_CHANGE_INPUT),
    "membership-proposals": (MEMBERSHIP, MEMBERSHIP_INPUT, None),
}

# What a PATCH changes besides the status it sets.
CHANGED_ALSO = {
    "follow-ups": {"completed_at": "2026-03-12T10:03:00+01:00", "updated_at": "2026-03-12T10:03:00+01:00"},
    "exit-cases": {"closed_on": "2026-09-30", "updated_at": "2026-09-30T15:20:00+02:00"},
    "risk-assessments": {"updated_at": "2026-04-02T09:00:00+02:00"},
    "supervisions": {"updated_at": "2026-06-01T11:00:00+02:00"},
    "group-relations": {"updated_at": "2026-03-02T09:30:00+01:00"},
}

ERROR_EXAMPLES = {
    "400": {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {"person": ["No such record."], "delivered_on": ["This field is required."]},
    },
    "401": {"status": 401, "code": "authentication_failed", "detail": "The API key is not valid.", "errors": {}},
    "403": {
        "status": 403,
        "code": "permission_denied",
        "detail": "You do not have permission to perform this action.",
        "errors": {},
    },
    "404": {"status": 404, "code": "not_found", "detail": "Not found.", "errors": {}},
    "406": {
        "status": 406,
        "code": "not_acceptable",
        "detail": "Could not satisfy the request Accept header.",
        "errors": {},
    },
    "415": {
        "status": 415,
        "code": "unsupported_media_type",
        "detail": 'Unsupported media type "text/plain" in request.',
        "errors": {},
    },
    "422": {
        "status": 422,
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used with a different request.",
        "errors": {},
    },
    "429": {
        "status": 429,
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 12 seconds.",
        "errors": {},
    },
}


def examples_for(path: str, method: str, is_list: bool) -> list[OpenApiExample]:
    """The request and response examples of one operation (path as in the schema)."""
    segment = path.removeprefix("/api/v1/").split("/")[0]
    if segment not in RESOURCES:
        return []
    record, post_body, patch_body = RESOURCES[segment]
    if segment == "group-attributions" and method == "POST" and path.endswith("/decision/"):
        return [
            OpenApiExample("Request", value=ATTRIBUTION_DECISION_INPUT, request_only=True),
            OpenApiExample("Decided", value=ATTRIBUTION_DECIDED, response_only=True, status_codes=["200"]),
        ]
    if method == "GET":
        summary = "One page of records" if is_list else "One record"
        return [OpenApiExample("Record", summary=summary, value=record, response_only=True, status_codes=["200"])]
    if method == "POST" and post_body is not None:
        # A list response (the invitations created) is given as one item: the schema generator wraps it.
        return [
            OpenApiExample("Request", value=post_body, request_only=True),
            OpenApiExample("Created", value=record, response_only=True, status_codes=["201"]),
        ]
    if method == "PATCH" and patch_body is not None:
        changed = {**record, **patch_body, **CHANGED_ALSO.get(segment, {})}
        return [
            OpenApiExample("Request", value=patch_body, request_only=True),
            OpenApiExample("Changed", value=changed, response_only=True, status_codes=["200"]),
        ]
    return []
