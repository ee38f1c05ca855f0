"""Template helpers: what the user may do (from gvi.policy) and how sure a record is."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from gvi.models import Confidence
from gvi.policy import Action, can
from gvi.scoring import labelled_factors

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, kind: str, action: str = "read") -> bool:
    """{% may "flag" "change" as may_decide %}: whether the user may do `action` on `kind` at all."""
    user = context.get("user")
    return bool(user is not None and can(user, kind, Action(action)))


@register.simple_tag
def provenance(record):
    """A record's source and confidence; unverified records are visibly marked.

    Built in Python, not with an included template: a list page shows it on every row."""
    confidence = getattr(record, "confidence", "")
    unverified = confidence == Confidence.UNVERIFIED
    return format_html(
        '<span class="provenance{}"><span class="source" title="{}">{}</span> · '
        '<span class="confidence confidence-{}">{}{}</span></span>',
        " unverified" if unverified else "",
        _("Source"),
        getattr(record, "source", ""),
        confidence,
        "⚠ " if unverified else "",
        record.get_confidence_display() if hasattr(record, "get_confidence_display") else "",
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def factors(detail):
    """{% for factor in contribution.factor_values|factors %}: each factor's label, key and figure."""
    return labelled_factors(detail)


@register.filter
def signed(value):
    """+1,5 / -2 / 0 for a change against the previous weeks, in the user's number format."""
    value = round(float(value), 1)
    text = number_format(value, decimal_pos=0 if value == int(value) else 1)
    return f"+{text}" if value > 0 else text


@register.simple_tag(takes_context=True)
def may_see_quality_report(context) -> bool:
    """{% may_see_quality_report as may_report %}: the quality report's own rule (gvi.selectors)."""
    from gvi.selectors.quality_report import may_see_quality_report as rule

    user = context.get("user")
    return bool(user is not None and user.is_authenticated and rule(user))


@register.simple_tag(takes_context=True)
def offers_two_factor(context) -> bool:
    """{% offers_two_factor as offer %}: a role that signs in with a second factor, not yet verified."""
    from frontend.pages.twofactor import may_set_up_two_factor

    user = context.get("user")
    return bool(user is not None and may_set_up_two_factor(user))


@register.simple_tag(takes_context=True)
def may_import_records(context) -> bool:
    """{% may_import_records as may_import %}: who may import from spreadsheets (gvi.services.imports)."""
    from gvi.services.imports import may_import

    user = context.get("user")
    return bool(user is not None and user.is_authenticated and may_import(user))


@register.simple_tag(takes_context=True)
def may_use_concern_reports(context) -> bool:
    """{% may_use_concern_reports as may %}: the concern-report page is social services' (who see
    every report under the child-protection rule) and the coordinators'; others file a report
    from the person's page and see their own there."""
    from gvi.models import OrganisationKind, Role

    user = context.get("user")
    if user is None or not can(user, "concern_report", Action.READ):
        return False
    if user.is_superuser or user.role in (Role.COORDINATOR, Role.AUDITOR):
        return True
    return getattr(user.organisation, "kind", None) == OrganisationKind.MUNICIPALITY


@register.simple_tag
def single_sign_on_provider() -> str:
    """The identity provider's name when single sign-on is on (the login page's button), else ''."""
    from django.conf import settings

    if not getattr(settings, "GVI_OIDC_ENABLED", False):
        return ""
    return settings.GVI_OIDC_PROVIDER_NAME or "OpenID Connect"
