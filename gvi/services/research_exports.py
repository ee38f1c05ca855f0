"""The research export's four eyes: a coordinator requests it with a purpose, another approves
or rejects it, and only an approved export can be downloaded (docs/evaluation.md)."""

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import crypto
from gvi.exports import may_export_report
from gvi.models import ResearchExport, ResearchExportStatus, Role, TimeGranularity


def may_handle_research_exports(user) -> bool:
    """Coordinators who may export every record kind the package holds request and approve."""
    return getattr(user, "role", None) == Role.COORDINATOR and may_export_report(user, "research_export")


def _require_coordinator(user) -> None:
    if not may_handle_research_exports(user):
        raise PermissionDenied(_("Only a coordinator may request or decide a research export."))


@transaction.atomic
def request_research_export(*, user, purpose: str, granularity: str = TimeGranularity.MONTH) -> ResearchExport:
    """A coordinator asks for a research export; nothing leaves until another coordinator approves."""
    _require_coordinator(user)
    if granularity not in TimeGranularity.values:
        raise ValidationError({"granularity": _("Choose week or month.")})
    export = ResearchExport(
        programme_id=user.programme_id,
        requested_by=user,
        purpose=purpose.strip(),
        granularity=granularity,
        k=settings.GVI_RESEARCH_EXPORT_K,
    )
    export.full_clean()
    export.save()
    return export


@transaction.atomic
def decide_research_export(
    *, user, export: ResearchExport, approve: bool, reason: str, linked_to: ResearchExport | None = None
) -> ResearchExport:
    """Approve or reject a requested export. Never by its requester. On approval the export gets
    a key of its own, or the key of `linked_to` when the approver chooses that the two exports'
    pseudonymous ids may be linked."""
    _require_coordinator(user)
    export = ResearchExport.objects.select_for_update().get(pk=export.pk, programme_id=user.programme_id)
    if export.status != ResearchExportStatus.REQUESTED:
        raise ValidationError(_("This research export has been decided already."))
    if export.requested_by_id == user.pk:
        raise ValidationError(_("Another coordinator must decide your own request."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    if linked_to is not None:
        if not approve:
            raise ValidationError({"linked_to": _("Only an approved export can be linked to another.")})
        if linked_to.programme_id != export.programme_id or linked_to.status != ResearchExportStatus.APPROVED:
            raise ValidationError({"linked_to": _("Choose an approved export of the same programme.")})
    export.status = ResearchExportStatus.APPROVED if approve else ResearchExportStatus.REJECTED
    export.decided_by = user
    export.decided_at = timezone.now()
    export.decision_reason = reason.strip()
    if approve:
        export.linked_to = linked_to
        export.key_encrypted = linked_to.key_encrypted if linked_to else crypto.encrypt(secrets.token_hex(32))
    export.save()
    return export


def research_export_key(export: ResearchExport) -> bytes:
    """The export's pseudonymisation key; only an approved export has one."""
    if export.status != ResearchExportStatus.APPROVED or not export.key_encrypted:
        raise PermissionDenied(_("This research export is not approved."))
    return crypto.decrypt(export.key_encrypted).encode()
