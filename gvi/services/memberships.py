"""Listing a person as a member: proposals that cite inclusion criteria with their sources.

A membership starts as *proposed*; another user approves it (four eyes). Only active
memberships count in scoring, reach and call-in suggestions.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gvi.models import Confidence, InclusionCriterion, Membership, MembershipEvidence, MembershipStatus
from gvi.services.common import acting_organisation, create_record, require_visible


@transaction.atomic
def propose_membership(
    *,
    user,
    person,
    group,
    start_date,
    evidence: list[dict],
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    role: str = "member",
    is_key_individual: bool = False,
    end_date=None,
) -> Membership:
    """Propose that `person` is a member of `group`.

    `evidence` is a list of {criterion, source_reference, note?}: at least the programme's
    minimum number of distinct, active criteria, each with a source reference.
    """
    organisation = acting_organisation(user)
    require_visible(user, "person", person, "person")
    require_visible(user, "group", group, "group")
    programme = organisation.programme
    criteria_ids = [
        item["criterion"].pk if hasattr(item["criterion"], "pk") else item["criterion"] for item in evidence
    ]
    criteria = InclusionCriterion.objects.in_bulk(criteria_ids)
    errors = []
    for item, criterion_id in zip(evidence, criteria_ids, strict=True):
        criterion = criteria.get(criterion_id)
        if criterion is None or criterion.programme_id != programme.pk or not criterion.is_active:
            errors.append(_("Unknown inclusion criterion."))
        elif not str(item.get("source_reference", "")).strip():
            errors.append(_("Each criterion needs a source reference: %(criterion)s") % {"criterion": criterion.name})
    if len(set(criteria_ids)) != len(criteria_ids):
        errors.append(_("A criterion is cited more than once."))
    if len(set(criteria_ids)) < programme.min_inclusion_criteria:
        errors.append(
            ngettext(
                "A membership must cite at least %(count)d inclusion criterion.",
                "A membership must cite at least %(count)d inclusion criteria.",
                programme.min_inclusion_criteria,
            )
            % {"count": programme.min_inclusion_criteria}
        )
    if errors:
        raise ValidationError({"evidence": errors})
    membership = create_record(
        Membership(
            person=person,
            group=group,
            start_date=start_date,
            end_date=end_date,
            role=role,
            is_key_individual=is_key_individual,
            status=MembershipStatus.PROPOSED,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="membership",
    )
    MembershipEvidence.objects.bulk_create(
        MembershipEvidence(
            membership=membership,
            criterion_id=criterion_id,
            source_reference=str(item["source_reference"]).strip(),
            note=item.get("note", ""),
        )
        for item, criterion_id in zip(evidence, criteria_ids, strict=True)
    )
    return membership
