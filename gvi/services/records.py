"""Records edited as a whole, field by field (the admin's forms): saved and deleted here, with the
access policy's check, the stamps, the history's author, and the after-effects the topic services
have, so that the admin is no second write path.

What a form cannot carry (a custom notification's referrals and delivering organisations, a
decision and its reason) is not edited this way at all: those admins only show the record.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gvi import jobs, reach, weekly_counts
from gvi.followup_rules import CAUSES
from gvi.policy import Action, allows_state, can
from gvi.services.common import NOTHING_STORED, derived_before, derived_written
from gvi.services.score_changes import scores_changed

# Records whose change moves the programme's violence scores, and what of the score each touches:
# noted for the incremental update (gvi.services.score_changes) as the topic services do, so that
# a flag does not wait for the nightly check.
RESCORING = {
    "incident": lambda obj: {"incidents": [obj.pk]},
    "involvement": lambda obj: {"incidents": [obj.incident_id]},
    "group_attribution": lambda obj: {"incidents": [obj.incident_id]},
    "membership": lambda obj: {"persons": [obj.person_id]},
    "group": lambda obj: {"groups": [obj.pk]},
}


def _stamp(obj, user, adding: bool) -> None:
    if adding and hasattr(obj, "created_by_id"):
        obj.created_by = user
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = user
    obj._history_user = user  # the history's author, whoever calls (gvi.services.common.as_changed_by)


def save_edited(obj, *, user, kind: str | None):
    """Save a record of `kind` as a form left it (new or changed). The form has checked the
    record as it was and as it stands (gvi.admin.policy_checked); the state is checked again here.
    `kind` None: a part of a record (a group's alias, a call-in's speaker) edited with its parent,
    whose change was checked. Run `record_edited` once the record and its parts are saved."""
    adding = obj._state.adding
    if kind is not None and not allows_state(user, kind, Action.CREATE if adding else Action.CHANGE, obj):
        raise PermissionDenied
    _stamp(obj, user, adding)
    before = derived_before(kind, obj) if kind is not None else NOTHING_STORED
    obj.save()
    if kind is not None:
        derived_written(kind, before, obj)  # the stored reach, the incidents linked to groups
    return obj


def record_edited(obj, *, kind: str) -> None:
    """The after-effects of a record of `kind` saved with its parts: its follow-up rules run
    (idempotent, so a change makes only what is missing) and its programme is rescored, each once
    the change commits."""
    if kind in CAUSES:
        jobs.apply_followup_rules(kind, obj.pk)
    if kind in RESCORING:
        scores_changed(obj.programme_id, **RESCORING[kind](obj))


@transaction.atomic
def delete_record(obj, *, user, kind: str | None) -> None:
    """Delete a record the user may delete; `kind` None: a part of a record, deleted as a change
    of its parent (checked by the caller)."""
    if kind is not None and not can(user, kind, Action.DELETE, obj):  # the row, not just the kind
        raise PermissionDenied
    obj._history_user = user
    moved = reach.moved_by_deletion(kind, obj)  # e.g. a call-in's attendances go with it
    _reach_before, links_before = derived_before(kind, obj) if kind is not None else NOTHING_STORED
    obj.delete()
    if moved:
        reach.changed(obj.programme_id, **moved)
    if links_before is not None:
        weekly_counts.record_written(kind, links_before, obj, deleted=True)


def save_setting(obj, *, user):
    """Save a setting of the system (a programme, an organisation, a criterion, the scoring
    configuration, a legal basis, a user account): the administrator's, behind Django's model
    permissions."""
    _stamp(obj, user, obj._state.adding)
    obj.save()
    return obj


def delete_setting(obj, *, user) -> None:
    """Delete a setting (behind Django's model permissions)."""
    obj._history_user = user
    obj.delete()
