"""Controllers, joint-controller arrangements and processings of a programme (issue 17 item 5).

Written by the programme's DPO (an auditor) or a coordinator; each write is validated and kept in
the history with who made it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gvi.models import JointControllerArrangement, Processing, RecordController, Role
from gvi.services.common import as_changed_by

ROLES = (Role.COORDINATOR, Role.AUDITOR)


def may_manage_controllers(user) -> bool:
    return getattr(user, "role", None) in ROLES and getattr(user, "organisation_id", None) is not None


def _require(user) -> None:
    if not may_manage_controllers(user):
        raise PermissionDenied(_("Only the DPO (an auditor) or a coordinator may record controllers."))


def _save(obj, user, *, unique_message: str):
    if obj.pk is None:
        obj.created_by = user
    obj.updated_by = user
    obj.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            as_changed_by(obj, user).save()
    except IntegrityError:
        raise ValidationError(unique_message) from None
    return obj


def _own(user, model, pk):
    if pk is None:
        return model(programme_id=user.programme_id)
    obj = model.objects.filter(programme_id=user.programme_id, pk=pk).first()
    if obj is None:
        raise ValidationError(_("No such record."))
    return obj


@transaction.atomic
def save_joint_arrangement(
    *, user, name: str, summary: str, contact_point: str, agreement_reference: str = "", pk: int | None = None
) -> JointControllerArrangement:
    _require(user)
    arrangement = _own(user, JointControllerArrangement, pk)
    arrangement.name, arrangement.summary = name.strip(), summary.strip()
    arrangement.contact_point, arrangement.agreement_reference = contact_point.strip(), agreement_reference.strip()
    return _save(arrangement, user, unique_message=_("An arrangement with this name exists already."))


@transaction.atomic
def save_record_controller(
    *, user, organisation, controller: str, contact: str, joint_arrangement=None, pk: int | None = None
) -> RecordController:
    """The controller of `organisation`'s records in the user's programme (one per organisation)."""
    _require(user)
    record = _own(user, RecordController, pk)
    record.organisation, record.controller, record.contact = organisation, controller.strip(), contact.strip()
    record.joint_arrangement = joint_arrangement
    return _save(record, user, unique_message=_("This organisation has a controller already: change that one."))


@transaction.atomic
def save_processing(
    *,
    user,
    name: str,
    purpose: str,
    legal_basis: str,
    regime: str,
    controller=None,
    joint_arrangement=None,
    record_kinds=(),
    pk: int | None = None,
) -> Processing:
    _require(user)
    processing = _own(user, Processing, pk)
    processing.name, processing.purpose, processing.legal_basis = name.strip(), purpose.strip(), legal_basis.strip()
    processing.regime, processing.controller, processing.joint_arrangement = regime, controller, joint_arrangement
    processing.record_kinds = sorted(set(record_kinds))
    return _save(processing, user, unique_message=_("This processing exists already."))
