"""Accessibility and CSP habits, checked on the rendered pages and on the templates themselves."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates"
OWN_TEMPLATES = [
    *sorted((TEMPLATES / "frontend").glob("*.html")),
    *(
        path
        for folder in ("review", "groups", "persons", "callins", "flags", "followups", "charts", "parts", "account")
        for path in sorted((TEMPLATES / "frontend" / folder).glob("*.html"))
    ),
    TEMPLATES / "registration" / "login.html",
]


class PageAudit(HTMLParser):
    """Collects what the checks below need from one page."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.labels_for = set()
        self.controls = []
        self.label_depth = 0
        self.landmarks = set()
        self.html_lang = None
        self.first_link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.problems.append(f"inline style on <{tag}>")
        if any(name.startswith("on") for name in attrs):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "script" and not attrs.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.add(tag)
        if tag == "a" and self.first_link is None:
            self.first_link = attrs
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append((tag, attrs, self.label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def unlabelled(self):
        return [
            attrs.get("name")
            for tag, attrs, wrapped in self.controls
            if not (wrapped or attrs.get("id") in self.labels_for or attrs.get("aria-label"))
        ]


def _pages(city):
    return [
        reverse("frontend:weekly_review"),
        reverse("frontend:group_list"),
        reverse("frontend:group_detail", args=[city["groups"][0].pk]),
        reverse("frontend:person_list"),
        reverse("frontend:person_detail", args=[city["persons"][1].pk]),
        reverse("frontend:call_in_list"),
        reverse("frontend:call_in_detail", args=[city["call_in"].pk]),
        reverse("frontend:call_in_print", args=[city["call_in"].pk]),
        reverse("frontend:flag_detail", args=[city["suggested"].pk]),
        reverse("frontend:follow_ups"),
        reverse("frontend:password_change"),
    ]


def test_pages_have_landmarks_labels_a_skip_link_and_nothing_inline(coordinator_client, city):
    for url in _pages(city):
        audit = PageAudit()
        audit.feed(coordinator_client.get(url).content.decode())
        assert audit.problems == [], url
        assert audit.unlabelled() == [], url
        assert audit.controls, url  # at least the language switch
        assert audit.landmarks == {"header", "nav", "main", "footer"}, url
        assert audit.html_lang == "sv", url
        assert audit.first_link == {"class": "skip-link", "href": "#main"}, url


def test_login_page_is_labelled(client):
    audit = PageAudit()
    audit.feed(client.get(reverse("frontend:login")).content.decode())
    assert audit.problems == [] and audit.unlabelled() == []
    assert {attrs.get("name") for _, attrs, _ in audit.controls} >= {"username", "password"}


def test_english_is_offered(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()


ALLOWED_WORDS = {"gvi"}  # the product's name


@pytest.mark.parametrize("path", OWN_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_text_outside_translation_tags(path):
    source = path.read_text()
    for attribute in re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', source):
        assert attribute.startswith("{"), f"{path.name}: untranslated attribute text {attribute!r}"
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", source, flags=re.S)
    # A {% comment %} block is never rendered: it is notes for the reader, not page text.
    text = re.sub(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    words = set(re.findall(r"[^\W\d_]{2,}", text)) - ALLOWED_WORDS
    assert not words, f"{path.name}: text outside translation tags: {sorted(words)}"


def test_password_change(client, police_coordinator):
    client.force_login(police_coordinator)
    url = reverse("frontend:password_change")
    assert 'class="skip-link"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "old_password": "correct-horse-battery-staple",
            "new_password1": "en-ny-och-lang-losenfras-42",
            "new_password2": "en-ny-och-lang-losenfras-42",
        },
    )
    assert response["Location"] == reverse("frontend:password_change_done")
    police_coordinator.refresh_from_db()
    assert police_coordinator.check_password("en-ny-och-lang-losenfras-42")
