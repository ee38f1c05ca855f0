"""The right of access: everything gvi holds about one person, with sources, confidence and history.

Used for a request for access (registerutdrag) under GDPR art. 15 / brottsdatalagen 3 kap.:
a coordinator or auditor compiles it, with a reason that goes to the access log. Corrections
go through the normal update services (e.g. `gvi.services.people.correct_person`), so the history
keeps the before and after.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import personnummer as pnr
from gvi.audit import log_access
from gvi.models import AccessAction, AccessLog
from gvi.policy import MINORS_ALL, RECORD_KINDS, Action, Scope, minors_rule_for, scope_for, scoped_queryset
from gvi.services.common import require_visible

# Kinds whose records are about one person (the person itself included).
PERSON_KINDS = [kind for kind, spec in RECORD_KINDS.items() if spec.person_path is not None]
HIDDEN_FIELDS = frozenset({"personnummer_encrypted", "personnummer_hash"})
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _require_full_export(user) -> None:
    """Only a role that may export every record about a person compiles the register extract,
    so the extract is never silently incomplete."""
    complete = all(scope_for(user, kind, Action.EXPORT) == Scope.SHARED for kind in PERSON_KINDS)
    if not complete or minors_rule_for(user) != MINORS_ALL:
        raise PermissionDenied(_("Only a coordinator or an auditor may compile a person's data."))


def _values(obj) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        if field.attname in HIDDEN_FIELDS:
            continue
        value = getattr(obj, field.attname)
        data[field.name] = value
        if field.many_to_one and value is not None:
            data[f"{field.name}_display"] = str(getattr(obj, field.name))
    return data


def _history(history_model, ids_filter: dict) -> dict[int, list]:
    """Every historical version, grouped by record id, with who, when and what changed."""
    rows = history_model.objects.filter(**ids_filter).select_related("history_user").order_by("id", "history_date")
    grouped: dict[int, list] = {}
    previous_by_id: dict[int, object] = {}
    for row in rows:
        previous = previous_by_id.get(row.id)
        changes = {}
        if previous is not None:
            delta = row.diff_against(previous)
            changes = {
                change.field: {"before": change.old, "after": change.new}
                for change in delta.changes
                if change.field not in HIDDEN_FIELDS
            }
        grouped.setdefault(row.id, []).append(
            {
                "at": row.history_date,
                "type": HISTORY_TYPES.get(row.history_type, row.history_type),
                "by": str(row.history_user) if row.history_user_id else "",
                "reason": row.history_change_reason or "",
                "changes": changes,
            }
        )
        previous_by_id[row.id] = row
    return grouped


def _organisation_id(obj, spec):
    if not spec.organisation_path:
        return None
    value = obj
    for part in spec.organisation_path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk


def _by_controller(user, records: dict, owners: dict, withheld: dict) -> list[dict]:
    """The extract split by controller: each controller's organisations, joint arrangement, the
    purpose and legal basis of its processings, its records, and what was withheld under secrecy
    (the kind of record and the provision, never the record)."""
    from gvi.selectors.controllers import programme_controllers

    controllers = programme_controllers(user.programme_id)
    sections: dict[str, dict] = {}
    unassigned = _("No controller recorded")

    def section(organisation_id):
        record = controllers.by_organisation.get(organisation_id)
        name = record.controller if record else unassigned
        if name not in sections:
            entry = next((e for e in controllers.entries() if e.controller == name), None)
            arrangement = entry.joint_arrangement if entry else None
            sections[name] = {
                "controller": name,
                "contact": entry.contact if entry else "",
                "organisations": entry.organisations if entry else [],
                "joint_arrangement": (
                    {
                        "name": arrangement.name,
                        "summary": arrangement.summary,
                        "contact_point": arrangement.contact_point,
                        "agreement_reference": arrangement.agreement_reference,
                    }
                    if arrangement
                    else None
                ),
                "processings": [
                    {
                        "name": p.name,
                        "purpose": p.purpose,
                        "legal_basis": p.legal_basis,
                        "regime": p.get_regime_display(),
                        "record_kinds": p.record_kinds,
                    }
                    for p in (entry.processings if entry else [])
                ],
                "records": {},
                "withheld": [],
            }
        return sections[name]

    for kind, items in records.items():
        for item in items:
            owner = owners.get((kind, item.get("id")))
            key = (kind, item.get("id"))
            if key in withheld:
                section(owner)["withheld"].append({"record_kind": kind, "provision": withheld[key]})
            else:
                section(owner)["records"].setdefault(kind, []).append(item)
    return list(sections.values())


def export_person_data(
    *, user, person, reason: str, channel: str = "ui", withheld: dict | None = None, action: str = AccessAction.EXPORT
) -> dict:
    """Everything held about `person`: each record with its source and confidence and its change
    history (deleted records included), plus who has read the person's data and which partners
    outside a record's owner saw it, on which legal basis (the disclosures). Logs an EXPORT (a READ
    for the reviewer's draft).

    The records are also given split by controller (`by_controller`), each with the purpose and
    legal basis of its processings; records in `withheld` ({(kind, id): provision}, marked by the
    extract's reviewer under secrecy) are left out, and the controller's section names the kind
    and the provision."""
    withheld = withheld or {}
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for this extract (e.g. the request's reference).")})
    require_visible(user, "person", person, "person")
    _require_full_export(user)

    records: dict[str, list] = {}
    owners: dict[tuple, int | None] = {}
    for kind in PERSON_KINDS:
        spec = RECORD_KINDS[kind]
        model = spec.model_class
        lookup = {"pk": person.pk} if spec.person_path == "" else {f"{spec.person_path}_id": person.pk}
        related = [f.name for f in model._meta.concrete_fields if f.many_to_one]
        objects = list(scoped_queryset(user, kind, Action.EXPORT).filter(**lookup).select_related(*related))
        history_lookup = {"id": person.pk} if spec.person_path == "" else {f"{spec.person_path}_id": person.pk}
        history = _history(model.history.model, history_lookup) if hasattr(model, "history") else {}
        items = []
        for obj in objects:
            item = _values(obj)
            item["history"] = history.pop(obj.pk, [])
            items.append(item)
            owners[(kind, obj.pk)] = _organisation_id(obj, spec)
        # Records deleted since: only their history is left.
        items += [{"id": record_id, "deleted": True, "history": versions} for record_id, versions in history.items()]
        if items:
            records[kind] = items

    reads = list(
        AccessLog.objects.filter(person_id=person.pk)
        .select_related("organisation")
        .order_by("at")
        .values_list("at", "organisation__name", "action", "record_kind", "channel", "reason")
    )
    # Who outside each record's owner saw it (GDPR art. 15(1)(c): the recipients), and on what basis.
    disclosures = list(
        AccessLog.objects.filter(person_id=person.pk, owner_organisation__isnull=False)
        .exclude(owner_organisation_id=F("organisation_id"))
        .order_by("at")
        .values_list(
            "at", "organisation__name", "owner_organisation__name", "record_kind", "sharing_rule", "legal_basis"
        )
    )
    identity_number = pnr.reveal(person)
    by_controller = _by_controller(user, records, owners, withheld)
    records = {
        kind: kept
        for kind, items in records.items()
        if (kept := [item for item in items if (kind, item.get("id")) not in withheld])
    }
    log_access(
        user=user,
        action=action,
        record_kind="person",
        objects=[person],
        reason=reason,
        channel=channel,
    )
    data = {
        "generated_at": timezone.now(),
        "generated_by": str(user),
        "reason": reason,
        "person": {"identity_number": identity_number, **records.pop("person")[0]},
        "records": records,
        "by_controller": by_controller,
        "access_log": [
            {"at": at, "organisation": org or "", "action": action, "record_kind": kind, "channel": ch, "reason": why}
            for at, org, action, kind, ch, why in reads
        ],
        "disclosures": [
            {"at": at, "recipient": to or "", "owner": owner, "record_kind": kind, "rule": rule, "legal_basis": basis}
            for at, to, owner, kind, rule, basis in disclosures
        ],
    }
    # Plain JSON types only (dates as ISO strings, decimals as strings), ready to hand over.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
