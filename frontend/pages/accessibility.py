"""The accessibility statement (WCAG 2.1 AA, the Swedish act on accessible public digital services).

Public: read without logging in, linked from every page's footer. Who answers a report is the
deploying agency's to say (`GVI_ACCESSIBILITY_CONTACT`, an e-mail address or a phone number).
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

# When the statement was last checked against the app (the crawl test: tests/frontend/test_wcag.py).
REVIEWED_ON = "2026-11-30"


@require_GET
def accessibility_statement(request):
    contact = settings.GVI_ACCESSIBILITY_CONTACT
    return render(
        request,
        "frontend/accessibility.html",
        {"contact": contact, "contact_is_email": "@" in contact, "reviewed_on": REVIEWED_ON},
    )
