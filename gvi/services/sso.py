"""Single sign-on through OpenID Connect (issue 17 item 4): a person's organisation and role come
only from the explicit claim-mapping table (gvi.models.ClaimMapping), at every sign-in.

The OIDC protocol (redirects, token exchange, the ID token's signature and nonce) is
mozilla-django-oidc's, in frontend/sso.py; this module decides who the verified claims are and
records the attempt. No account is created for a person no mapping matches."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from gvi.models import ClaimMapping, SignInOutcome, SingleSignOnEvent, User

logger = logging.getLogger("gvi.sso")

# Usernames of accounts made by single sign-on: the prefix and the provider's stable subject.
# Never matched by e-mail address: a provider may reuse an address, and a local account with the
# same address must not be taken over.
USERNAME_PREFIX = "sso-"


class SignInRefused(Exception):
    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


@dataclass(frozen=True)
class Result:
    user: User
    mapping: ClaimMapping
    provider_mfa: bool


def _claim_values(claims: dict, name: str) -> set[str]:
    value = claims.get(name)
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def matching_mappings(claims: dict) -> list[ClaimMapping]:
    """The active rows whose claim the provider asserts with the row's value."""
    rows = ClaimMapping.objects.filter(is_active=True).select_related("organisation")
    return [row for row in rows if row.value in _claim_values(claims, row.claim)]


def provider_asserted_mfa(claims: dict) -> bool:
    """Does the provider say this sign-in used a second factor, and does the programme trust it?
    Only when settings.GVI_OIDC_TRUST_PROVIDER_MFA is on: then an `amr` value in
    GVI_OIDC_MFA_AMR_VALUES or an `acr` in GVI_OIDC_MFA_ACR_VALUES counts."""
    if not getattr(settings, "GVI_OIDC_TRUST_PROVIDER_MFA", False):
        return False
    amr = _claim_values(claims, "amr")
    acr = _claim_values(claims, "acr")
    return bool(amr & set(settings.GVI_OIDC_MFA_AMR_VALUES) or acr & set(settings.GVI_OIDC_MFA_ACR_VALUES))


def _log(*, claims: dict, issuer: str, outcome: str, user=None, mapping=None, provider_mfa=False):
    SingleSignOnEvent.objects.create(
        issuer=issuer[:300],
        subject=str(claims.get("sub", ""))[:255],
        outcome=outcome,
        user=user,
        mapping=mapping,
        organisation=mapping.organisation if mapping else None,
        role=mapping.role if mapping else "",
        provider_mfa=provider_mfa,
    )
    logger.info("single sign-on %s subject=%s user=%s", outcome, claims.get("sub", ""), getattr(user, "pk", None))


def sign_in(claims: dict, *, issuer: str) -> Result:
    """The account of the person these verified claims describe, created or brought in line with
    the table (organisation and role follow the table at each sign-in). SignInRefused when no row
    or disagreeing rows match, when the claims lack a subject, or when the account is deactivated
    (then no account is created or changed). Every attempt is logged (SingleSignOnEvent)."""
    subject = str(claims.get("sub") or "").strip()
    username = f"{USERNAME_PREFIX}{subject}"[:150]
    rows = matching_mappings(claims) if subject else []
    existing = User.objects.filter(username=username).first() if subject else None
    refused = None
    if not subject:
        refused = SignInOutcome.INVALID
    elif not rows:
        refused = SignInOutcome.NO_MATCH
    elif len({(row.organisation_id, row.role) for row in rows}) > 1:
        refused = SignInOutcome.AMBIGUOUS
    elif existing is not None and not existing.is_active:
        refused = SignInOutcome.INACTIVE
    if refused:
        _log(claims=claims, issuer=issuer, outcome=refused, user=existing)
        raise SignInRefused(refused)
    mapping = rows[0]
    mfa = provider_asserted_mfa(claims)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            # The table gives a role in the programme, never the admin site nor superuser powers.
            user = User(username=username, password=make_password(None), is_staff=False, is_superuser=False)
        user.organisation = mapping.organisation
        user.role = mapping.role
        user.first_name = str(claims.get("given_name", ""))[:150]
        user.last_name = str(claims.get("family_name", ""))[:150]
        user.email = str(claims.get("email", ""))[:254]
        user.save()
        outcome = SignInOutcome.SIGNED_IN
        _log(claims=claims, issuer=issuer, outcome=outcome, user=user, mapping=mapping, provider_mfa=mfa)
    return Result(user=user, mapping=mapping, provider_mfa=mfa)
