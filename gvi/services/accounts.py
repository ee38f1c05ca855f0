"""User accounts the system makes itself: an organisation's API service account."""

from django.contrib.auth.hashers import make_password

from gvi.models import PartnerOrganisation, Role, User

SERVICE_ACCOUNT_PREFIX = "api-service-"


def service_account_username(organisation: PartnerOrganisation) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{organisation.pk}"


def service_account_for(organisation: PartnerOrganisation) -> User:
    """The organisation's service account, created (once) when a key without a person is issued:
    a partner officer who cannot log in, whom such a key acts as."""
    user, _created = User.objects.get_or_create(
        username=service_account_username(organisation),
        defaults={
            "organisation": organisation,
            "role": Role.PARTNER_OFFICER,
            "first_name": "API",
            "last_name": organisation.name[:150],
            "password": make_password(None),
        },
    )
    return user


def reset_demo_coordinator(*, username: str, organisation: PartnerOrganisation, password: str) -> User:
    """Create or reset the demo coordinator login (development only: the command refuses production)."""
    user, _created = User.objects.get_or_create(username=username)
    user.organisation = organisation
    user.role = Role.COORDINATOR
    user.first_name, user.last_name = "Demo", "Samordnare"
    user.is_staff = True
    user.set_password(password)
    user.save()
    return user
