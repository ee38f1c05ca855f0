"""Keys issued without a person before their organisation's service account was made at issue
(it used to be made on the key's first use): make the missing accounts now, as
gvi.services.accounts.service_account_for does, so that authentication only reads."""

from django.contrib.auth.hashers import make_password
from django.db import migrations

PREFIX = "api-service-"  # gvi.services.accounts.SERVICE_ACCOUNT_PREFIX, as it was when this ran


def make_missing_service_accounts(apps, schema_editor):
    OrganisationAPIKey = apps.get_model("api", "OrganisationAPIKey")
    User = apps.get_model("gvi", "User")
    organisations = {key.organisation for key in OrganisationAPIKey.objects.filter(user=None).select_related("organisation")}
    for organisation in organisations:
        User.objects.get_or_create(
            username=f"{PREFIX}{organisation.pk}",
            defaults={
                "organisation": organisation,
                "role": "partner_officer",
                "first_name": "API",
                "last_name": organisation.name[:150],
                "password": make_password(None),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("api", "0003_idempotency_response_bytes"), ("gvi", "0018_consent_given_on_bounded")]

    operations = [migrations.RunPython(make_missing_service_accounts, migrations.RunPython.noop, elidable=False)]
