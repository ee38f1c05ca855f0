"""Writes for information sharing: a programme's legal bases, and persons' consents to share."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi.models import Confidence, Consent, ConsentScope, PartnerOrganisation, SharingBasis
from gvi.services.common import as_changed_by, create_record, require_visible, update_record
from gvi.sharing import SHARING_RULES


@transaction.atomic
def apply_default_bases(programme, *, user=None) -> list[SharingBasis]:
    """Give `programme` the default legal basis of every sharing rule it has none for.

    A basis the programme's lawyers already wrote is kept as it is. Returns the bases added.
    """
    existing = set(SharingBasis.objects.filter(programme=programme).values_list("rule", flat=True))
    added = []
    for rule in SHARING_RULES:
        if rule.code in existing:
            continue
        basis = SharingBasis(
            programme=programme,
            rule=rule.code,
            kind=rule.basis_kind,
            text=rule.default_basis,
            created_by=user,
            updated_by=user,
        )
        as_changed_by(basis, user, "default basis")
        basis.save()
        added.append(basis)
    return added


@transaction.atomic
def record_consent(
    *,
    user,
    person,
    organisation: PartnerOrganisation,
    scope: str,
    given_on,
    source: str,
    confidence: str = Confidence.CONFIRMED,
) -> Consent:
    """Record a person's consent to share their records with the named partner `organisation`.

    The consent is owned by that partner: its own officers record it, or a coordinator on its
    behalf. It widens what the partner sees from `given_on` until it is withdrawn.
    """
    require_visible(user, "person", person, "person")
    if scope not in ConsentScope.values:
        raise ValidationError({"scope": _("Unknown scope of consent.")})
    if organisation is None or organisation.programme_id != person.programme_id:
        raise ValidationError({"organisation": _("Choose a partner of the person's programme.")})
    if given_on is None or given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The consent cannot be dated in the future.")})
    if not (source or "").strip():
        raise ValidationError({"source": _("Say where the consent is documented (e.g. a signed form).")})
    consent = Consent(
        person=person,
        organisation=organisation,
        programme_id=person.programme_id,
        scope=scope,
        given_on=given_on,
        source=source.strip(),
        confidence=confidence,
    )
    return create_record(consent, user=user, kind="consent")


@transaction.atomic
def withdraw_consent(*, user, consent: Consent, note: str = "") -> Consent:
    """Withdraw a consent. It stops widening what the partner sees at once: the policy reads
    consents on every request (API keys' cache holds none)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent is already withdrawn."))
    return update_record(
        consent, user=user, kind="consent", withdrawn_at=timezone.now(), withdrawal_note=(note or "").strip()
    )
