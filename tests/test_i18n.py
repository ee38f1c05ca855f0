"""The Swedish catalogue is complete, its placeholders match, the compiled .mo is current,
and the UI really comes out in Swedish.

No database: these tests read the catalogue files and render strings only.
"""

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from gvi import models as m

LOCALE = Path(settings.BASE_DIR) / "locale"
SV_PO = LOCALE / "sv" / "LC_MESSAGES" / "django.po"
SV_MO = LOCALE / "sv" / "LC_MESSAGES" / "django.mo"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plural index -> text; 0 for a singular entry
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def where(self) -> str:
        return ", ".join(self.locations) or repr(self.msgid)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def parse_po(text: str) -> list[Entry]:
    """A small .po parser: comments, flags, context, multi-line strings and plural forms."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None

    def start() -> Entry:
        nonlocal entry
        if entry is None:
            entry = Entry()
        return entry

    def finish() -> None:
        nonlocal entry, target
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)
        entry, target = None, None

    def append(value: str) -> None:
        kind, index = target
        if kind == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        else:
            setattr(entry, kind, (getattr(entry, kind) or "") + value)

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            # An obsolete entry: noted so that a test can refuse it.
            start().obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()  # a comment after a msgstr begins the next entry
            if line.startswith("#,"):
                start().flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                start().locations.extend(line[2:].split())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.groups()
            if keyword in ("msgid", "msgctxt") and target is not None and target[0] == "msgstr":
                finish()
            start()
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else 0)
                entry.msgstr[target[1]] = ""
            else:
                target = (keyword, None)
                setattr(entry, keyword, "")
            append(ast.literal_eval(value))
        elif line.startswith('"') and target is not None:
            append(ast.literal_eval(line))
        else:
            raise ValueError(f"Cannot parse .po line: {raw!r}")
    finish()
    return entries


def load_catalogue() -> tuple[Entry, list[Entry]]:
    entries = parse_po(SV_PO.read_text(encoding="utf-8"))
    header = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header) == 1, "the catalogue must have exactly one header"
    return header[0], [e for e in entries if e is not header[0]]


# %(name)s, %d, %.2f ... ; "%%" is a literal percent sign and not a placeholder.
_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*\}")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str) -> Counter:
    return Counter(_PLACEHOLDER.findall(text.replace("%%", "")))


def html_tags(text: str) -> Counter:
    return Counter(_HTML_TAG.findall(text))


# ---------------------------------------------------------------- the parser itself

SAMPLE = r"""# header comment
msgid ""
msgstr ""
"Language: sv\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.py:1
#, python-format
msgid ""
"Two lines with a \"quote\" and "
"%(name)s"
msgstr "Två rader med ett \"citat\" och %(name)s"

#: b.py:2
#, fuzzy
msgid "Old"
msgstr "Gammal"

msgctxt "enforcement"
msgid "Search"
msgstr "Husrannsakan"

#, python-format
msgid "%(count)d group"
msgid_plural "%(count)d groups"
msgstr[0] "%(count)d grupp"
msgstr[1] ""
"%(count)d grupper"

#~ msgid "Gone"
#~ msgstr "Borta"
"""


def test_parser_reads_multiline_strings_flags_context_and_plurals():
    header, text, fuzzy, context, plural, obsolete = parse_po(SAMPLE)
    assert "Plural-Forms: nplurals=2" in header.msgstr[0]
    assert text.msgid == 'Two lines with a "quote" and %(name)s'
    assert text.msgstr == {0: 'Två rader med ett "citat" och %(name)s'}
    assert text.flags == {"python-format"} and text.locations == ["a.py:1"]
    assert "fuzzy" in fuzzy.flags
    assert (context.msgctxt, context.msgid, context.msgstr[0]) == ("enforcement", "Search", "Husrannsakan")
    assert plural.msgid_plural == "%(count)d groups"
    assert plural.msgstr == {0: "%(count)d grupp", 1: "%(count)d grupper"}
    assert obsolete.obsolete and obsolete.msgid == "Gone"


def test_placeholder_comparison_tells_a_lost_placeholder():
    assert placeholders("At least %(count)d, 100%% of %s") == Counter({"%(count)d": 1, "%s": 1})
    assert placeholders("Okänt stöd: %(kinds)s") != placeholders("Unknown service: %(kind)s")


# ---------------------------------------------------------------- (a) the catalogue is complete


def test_header_declares_swedish_plural_forms():
    header, _ = load_catalogue()
    assert "fuzzy" not in header.flags
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8" in header.msgstr[0]


def test_every_entry_is_translated_and_not_fuzzy():
    _, entries = load_catalogue()
    assert len(entries) > 300
    problems = []
    for e in entries:
        expected = {0, 1} if e.msgid_plural is not None else {0}
        if e.obsolete:
            problems.append(f"obsolete entry (run `make messages`): {e.msgid!r}")
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.where}: {e.msgid!r}")
        if set(e.msgstr) != expected or not all(s.strip() for s in e.msgstr.values()):
            problems.append(f"untranslated: {e.where}: {e.msgid!r}")
    assert not problems, "\n".join(problems)


MESSAGE_SOURCES = ("api", "config", "frontend", "gvi", "tasks")


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """`make messages` would add nothing: each marked string in the code has its entry (translated,
    by the test above). Extracted from a copy of the sources, so the real catalogue is untouched."""
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.skip("needs GNU gettext (xgettext) to extract the strings")
    base = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("migrations", "__pycache__", "static")
    for name in MESSAGE_SOURCES:
        shutil.copytree(base / name, tmp_path / name, ignore=ignore)
    shutil.copytree(LOCALE, tmp_path / "locale")
    extract = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('makemessages', locale=['sv'], extensions=['html', 'txt', 'py'], verbosity=0)"
    )
    subprocess.run(
        [sys.executable, "-c", extract],
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(base), "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    known = {(e.msgctxt, e.msgid) for e in load_catalogue()[1] if not e.obsolete}
    extracted = parse_po((tmp_path / "locale" / "sv" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    missing = sorted(f"{e.where}: {e.msgid!r}" for e in extracted if e.msgid and (e.msgctxt, e.msgid) not in known)
    assert not missing, "not in the catalogue (run `make messages` and translate):\n" + "\n".join(missing)


def test_placeholders_and_html_match_between_english_and_swedish():
    _, entries = load_catalogue()
    problems = []
    for e in entries:
        for index, translated in e.msgstr.items():
            source = e.msgid_plural if index > 0 else e.msgid
            if placeholders(source) != placeholders(translated):
                problems.append(f"placeholders differ: {e.where}: {source!r} -> {translated!r}")
            if html_tags(source) != html_tags(translated):
                problems.append(f"HTML differs: {e.where}: {source!r} -> {translated!r}")
    assert not problems, "\n".join(problems)


def test_fixed_translation_is_kept():
    _, entries = load_catalogue()
    by_id = {e.msgid: e for e in entries}
    assert by_id["The date of birth cannot be in the future."].msgstr[0] == "Födelsedatum kan inte ligga i framtiden."


# ---------------------------------------------------------------- (b) the .mo is up to date


def test_compiled_catalogue_matches_the_po_file():
    """Run `make messages` (or compilemessages) when this fails."""
    _, entries = load_catalogue()
    expected = {}
    for e in entries:
        if "fuzzy" in e.flags or e.obsolete:
            continue  # msgfmt leaves these out
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if e.msgstr.get(0):
                expected[key] = e.msgstr[0]
        elif all(e.msgstr.values()):
            expected.update({(key, index): text for index, text in e.msgstr.items()})
    with SV_MO.open("rb") as fp:
        compiled = GNUTranslations(fp)
    held = {key: text for key, text in compiled._catalog.items() if key != ""}
    stale = sorted(str(k) for k in expected.keys() - held.keys())
    extra = sorted(str(k) for k in held.keys() - expected.keys())
    changed = sorted(str(k) for k in expected.keys() & held.keys() if expected[k] != held[k])
    assert not (stale or extra or changed), f"missing: {stale}\nextra: {extra}\nchanged: {changed}"
    assert (compiled.plural(1), compiled.plural(2), compiled.plural(0)) == (0, 1, 1)


# ---------------------------------------------------------------- (c) the UI speaks Swedish


@pytest.mark.parametrize(
    ("model", "singular", "plural"),
    [
        (m.Incident, "händelse", "händelser"),
        (m.Programme, "satsning", "satsningar"),
        (m.PartnerOrganisation, "samverkanspart", "samverkansparter"),
        (m.Involvement, "inblandning", "inblandningar"),
        (m.Supervision, "övervakning", "övervakningar"),
        (m.ConcernReport, "orosanmälan", "orosanmälningar"),
        (m.RiskAssessment, "riskbedömning", "riskbedömningar"),
        (m.FollowUp, "uppföljning", "uppföljningar"),
        (m.CustomNotification, "personligt budskap", "personliga budskap"),
        (m.EnforcementAction, "riktad insats", "riktade insatser"),
        (m.GroupFlag, "utpekad grupp", "utpekade grupper"),
    ],
)
def test_model_names_follow_the_glossary_in_swedish(model, singular, plural):
    with translation.override("sv"):
        assert (str(model._meta.verbose_name), str(model._meta.verbose_name_plural)) == (singular, plural)
    with translation.override("en"):
        assert str(model._meta.verbose_name) != singular


def test_choices_fields_and_plurals_come_out_in_swedish():
    with translation.override("sv"):
        assert m.PoliceClassification.ESPECIALLY_VULNERABLE.label == "Särskilt utsatt område"
        assert m.SupervisionKind.PROBATION.label == "Skyddstillsyn"
        assert str(m.Membership._meta.get_field("is_key_individual").verbose_name) == "nyckelperson"
        assert gettext("Weekly review") == "Veckogenomgång"
        singular = "A membership must cite at least %(count)d inclusion criterion."
        plural = "A membership must cite at least %(count)d inclusion criteria."
        assert ngettext(singular, plural, 1) % {"count": 1} == "Ett medlemskap måste ange minst 1 inklusionskriterium."
        assert ngettext(singular, plural, 3) % {"count": 3} == "Ett medlemskap måste ange minst 3 inklusionskriterier."


def test_templates_and_validation_errors_come_out_in_swedish():
    template = Template('{% load i18n %}{% translate "Log in" %} | {% translate "Log out" %}')
    with translation.override("sv"):
        assert template.render(Context()) == "Logga in | Logga ut"
        person = m.Person(date_of_birth=timezone.localdate() + timedelta(days=1))
        with pytest.raises(ValidationError) as error:
            person.clean()
        assert error.value.message_dict["date_of_birth"] == ["Födelsedatum kan inte ligga i framtiden."]
    with translation.override("en"):
        assert template.render(Context()) == "Log in | Log out"
