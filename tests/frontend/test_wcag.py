"""WCAG 2.1 AA on every page, for every role that can open it (issue 21).

The crawl enumerates the web UI's URL patterns from the URLconf (nothing listed by hand), fills
in their ids from the synthetic city, and asks Django for each page as each role. Every pattern
that answers 200 with HTML is a page that role can open; the browser then opens it at 320 CSS
pixels wide (WCAG 1.4.10 reflow: no horizontal scrolling) and runs axe-core on it against the
WCAG 2.1 A/AA rules; the first page the role is refused is checked too (the 403 page). HTML
fragments that htmx fetches into a page are checked as part of that page (the audit waits until
the network is idle). A new page is crawled without anyone listing it; a new id segment is
filled from the model of the same name (`/incidents/<pk>/` from `Incident`) or, when no model
fits, the test fails and says what to add to ID_SOURCES.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.text import slugify

from gvi import models as m
from gvi.services import imports as imports_service
from gvi.services import research_exports
from gvi.services import rights as rights_service
from gvi.services import sharing as sharing_service
from tests import factories as f
from tests.axe import AUDITOR, audit
from tests.frontend.conftest import PurposefulClient, build_city
from tests.frontend.test_browser import eager_tasks  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 320, "height": 640}

ROLES = [
    "anonymous",
    "police_coordinator",
    "police_analyst",
    "probation_officer",
    "social_services_officer",
    "civil_society_partner",
    "auditor",
    "administrator",
]

# The path segment before an id, where its model's name does not say it.
ID_SOURCES = {
    "people": m.Person,
    "persons": m.Person,
    "flags": m.GroupFlag,
    "call-ins": m.CallIn,
    "follow-ups": m.FollowUp,
    "research-exports": m.ResearchExport,
    "requests": m.DataSubjectRequest,
    "memberships": m.Membership,
    "invitations": m.Invitation,
    "imports": m.ImportRun,
    "attributions": m.GroupAttribution,
    "exit-cases": m.ExitCase,
    "risk-assessments": m.RiskAssessment,
}

# Patterns whose parameters are words, not ids: the values to open them with.
WORD_ARGUMENTS = {
    "controllers_save": {"which": "controller"},
    "import_template": {"kind": "persons", "language": "sv", "extension": "csv"},
}

# Reflow: a page scrolls sideways when the document is wider than the window.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const culprits = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let inScroller = false;
      for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
        const style = getComputedStyle(up);
        const clips = ["auto", "scroll", "hidden", "clip"].includes(style.overflowX);
        if (clips && up.getBoundingClientRect().right <= width + 1) {
          inScroller = true;
          break;
        }
      }
      if (!inScroller) {
        const classes = typeof element.className === "string" ? element.className.trim() : "";
        const name = classes ? "." + classes.replace(/\\s+/g, ".") : "";
        const id = element.id ? "#" + element.id : "";
        culprits.push(element.tagName.toLowerCase() + id + name + " right=" + Math.round(box.right));
      }
    }
  }
  return [document.documentElement.scrollWidth + "px wide", ...culprits.slice(0, 6)];
}"""


def _patterns(resolver=None, prefix="", namespace=""):
    """(name, route, kwargs) of every URL pattern of the web UI (namespace 'frontend')."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and namespace == "frontend":
            yield entry.name, route, list(entry.pattern.converters)


def _model_for(segment: str):
    if segment in ID_SOURCES:
        return ID_SOURCES[segment]
    for model in apps.get_app_config("gvi").get_models():
        names = {slugify(str(model._meta.verbose_name_plural)), model._meta.model_name + "s", model._meta.model_name}
        if segment in names:
            return model
    return None


def _fill(route: str, kwargs: list) -> str | None:
    """The route with each <id> filled from an object of the model its segment names."""
    parts = route.split("/")
    for i, part in enumerate(parts):
        if part.startswith("<"):
            segment = parts[i - 1] if i else ""
            model = _model_for(segment)
            obj = model._default_manager.order_by("pk").first() if model is not None else None
            if obj is None:
                return None
            parts[i] = str(obj.pk)
    return "/" + "/".join(parts)


def _more_records(probation, police_coordinator, city):
    """What the city lacks and some pages need: a data subject request, a consent, a research export,
    an uploaded import file and an exit case."""
    person = city["persons"][1]
    data = "Källreferens,Förnamn,Efternamn,Källa\nP-1,Testa,Exempelsson,Lista\n".encode()
    imports_service.upload(user=police_coordinator, name="personer.csv", chunks=[data], size=len(data), kind="persons")
    f.ExitCaseFactory(organisation=police_coordinator.organisation, person=person)
    research_exports.request_research_export(user=police_coordinator, purpose="Utvärdering (syntetisk)")
    rights_service.log_request(user=police_coordinator, person=person, kind=m.RequestKind.ACCESS, source="SYN-REQ-1")
    sharing_service.record_consent(
        user=police_coordinator,
        person=person,
        organisation=probation,
        scope=m.ConsentScope.CONTACT,
        given_on=dt.date.today() - dt.timedelta(days=5),
        source="SYN-CONSENT-1",
    )


def _pages_for(client) -> tuple[list, list]:
    """The HTML pages this client may open, then the first page it is refused (the 403 page, in the
    layout), and the patterns that could not be filled in."""
    pages, refused, unfilled = [], [], []
    for name, route, kwargs in _patterns():
        if name in WORD_ARGUMENTS:
            url = reverse(f"frontend:{name}", kwargs=WORD_ARGUMENTS[name])
        else:
            url = _fill(route, kwargs)
        if url is None:
            unfilled.append(name)
            continue
        response = client.get(url)
        html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        if html and b"<html" in response.content:  # a page, not a fragment htmx fetches into one
            pages.append(url)
        elif response.status_code == 403 and b"<html" in response.content:
            refused.append(url)
    return pages + refused[:1], unfilled


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reflows_at_320_px_and_passes_axe(
    request,
    role,
    browser,
    live_server,
    police,
    probation,
    settings,
    eager_tasks,  # noqa: F811
):
    settings.GVI_REQUIRE_TWO_FACTOR = False
    police_coordinator = request.getfixturevalue("police_coordinator")
    city = build_city(police, probation, scale=1, prefix="A")
    _more_records(probation, police_coordinator, city)
    client = PurposefulClient()
    if role == "administrator":
        user = f.UserFactory(username="admin.polis", organisation=police, role=m.Role.ADMINISTRATOR)
    elif role != "anonymous":
        user = request.getfixturevalue(role)
    if role != "anonymous":
        client.force_login(user)
    pages, unfilled = _pages_for(client)
    assert not unfilled, (
        f"Cannot fill in the ids of {unfilled}: add the segment's model to ID_SOURCES or a record to the city"
    )
    assert pages, role

    AUDITOR.enabled = False  # this test runs axe itself, once per page
    context = browser.new_context(viewport=NARROW, locale="sv-SE")
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    scrolling, violations = {}, []
    try:
        for url in pages:
            page.goto(live_server.url + url, wait_until="networkidle")  # a 403 answers too, with its page
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                scrolling[url] = overflow
            violations.extend(audit(page) or [])
    finally:
        context.close()
    problems = [f"{url} scrolls sideways at 320 px for {role}: {overflow}" for url, overflow in scrolling.items()]
    if violations:
        problems.append(AUDITOR.report_of(violations))
    assert not problems, "\n".join(problems)
