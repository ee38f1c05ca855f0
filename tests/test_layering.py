"""The layering rules (docs/architecture.md), checked on the source:

1. `gvi/` (the domain) never imports `api`, `frontend`, `tasks` or Celery: it reaches its
   background jobs through the seam `gvi.jobs` only.
2. Nothing outside `gvi/services/` writes a domain model (a model of the `gvi` app): no
   `.save()`, `.delete()`, `.create()`, `.get_or_create()`, `.update_or_create()`, `.update()`,
   `.bulk_create()` or `.bulk_update()` on one, in `api/`, `frontend/`, `tasks/`, `config/` or the
   rest of `gvi/`. The exceptions are few and each says why (ALLOWED_PATHS, ALLOWED_CALLS).
3. The admin is no second write path: every admin of a domain model saves and deletes through
   `gvi.services` (`gvi.admin.ThroughServices`), or may neither add, change nor delete.

The scan is syntactic: a write is a call of one of those methods on a domain model's manager
(`Person.objects...`, `m.Person.objects...`), on a queryset or related manager reached from a
variable, or `.save()`/`.delete()` on any variable (an instance of unknown type). Calls on a class
that is not a domain model (`TOTPDevice.objects.create`, `IdempotencyRecord...`) are not writes of
the domain. What the scan cannot see (Django's own admin views saving a form) rule 3 checks.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin

ROOT = Path(settings.BASE_DIR)
SCANNED = ("api", "config", "frontend", "gvi", "tasks")
FORBIDDEN_IN_DOMAIN = {"api", "frontend", "tasks", "celery"}
WRITES = {"save", "delete", "create", "get_or_create", "update_or_create", "update", "bulk_create", "bulk_update"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "select_related", "order_by"}

# Where writes are the point, whole files or folders.
ALLOWED_PATHS = {
    "gvi/services/": "the write layer itself",
    "gvi/migrations/": "schema and data migrations write historical models",
    "api/migrations/": "schema and data migrations write historical models",
    "gvi/models/": "the models' own save() and queryset helpers (fill_adult_on) are the data layer",
    "gvi/seed/": "the synthetic data generator bulk-loads a demo city for the demo and the benchmarks",
    # The jobs' engines: each writes, in bulk and in SQL, the records it derives or keeps. Not moved
    # into gvi/services yet (issue 15), to keep the parallel work on them mergeable.
    "gvi/scoring.py": "the scoring job's runs, scores, flag suggestions and default configuration",
    "gvi/scoring_state.py": "the incremental scoring's per-incident contributions and group sums",
    "gvi/weekly_counts.py": "the weekly review's derived counts, kept in step by the services",
    "gvi/reach.py": "the weekly review's stored reach of the message, kept in step by the services",
    "gvi/retention.py": "the retention job anonymises and deletes what is past its rule, in bulk",
    "gvi/digest.py": "the digest job's delivery marks and the escalation stamp",
    "gvi/audit.py": "the access log, written where any layer reads personal data",
    "gvi/access_chain.py": "the access log's prune job records each prune",
    "gvi/crypto.py": "key rotation re-encrypts the identity numbers in place",
}
# Single calls on objects that are not domain models, which the scan cannot tell from the name
# alone: (path, the call's source up to the method) -> what the object is.
ALLOWED_CALLS = {
    ("api/idempotency.py", "record.save"): "an IdempotencyRecord (the API's, not the domain's)",
    ("api/idempotency.py", "existing.delete"): "an IdempotencyRecord",
    ("api/management/commands/issue_api_key.py", "api_key.save"): "an OrganisationAPIKey",
    ("frontend/pages/twofactor.py", "device.save"): "a django-otp TOTPDevice",
    ("gvi/exports.py", "workbook.save"): "an openpyxl workbook written to a buffer",
    ("gvi/imports/templates.py", "workbook.save"): "an openpyxl workbook (an import template) written to a buffer",
    ("tasks/schedules.py", "task.save"): "a django-celery-beat PeriodicTask",
}


def _python_files(*tops):
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _chain(node) -> list:
    """The receiver of a call, outermost last: `m.Person.objects.filter(x)` -> [m, Person, objects, filter]."""
    steps = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            steps.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            steps.append(node.id if isinstance(node, ast.Name) else type(node).__name__)
            return steps[::-1]


def _domain_models() -> set[str]:
    return {model.__name__ for model in apps.get_app_config("gvi").get_models()}


def _is_domain_write(call: ast.Call, domain: set[str]) -> bool:
    method = call.func.attr
    if any(kw.arg == "commit" and getattr(kw.value, "value", True) is False for kw in call.keywords):
        return False  # a form's save(commit=False) builds the instances, the caller saves them
    steps = _chain(call.func.value)
    classes = [step for step in steps if step[:1].isupper()]
    if classes:  # on a class's manager or queryset: a domain write if the class is a domain model
        return classes[-1] in domain
    if steps == ["super"]:
        return False  # a model's own save() calling Django's: only in gvi/models, allowed there
    if method in {"save", "delete"}:
        return True  # an instance of unknown type
    # A queryset or related manager reached from a variable; dict.update(...) has no such step.
    return method != "update" or bool(QUERYSET_STEPS & set(steps[1:]))


def _writes_in(path: Path, domain: set[str]):
    """(line, call source) of each domain write in the file."""
    text = path.read_text()
    for node in ast.walk(ast.parse(text, filename=str(path))):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if is_call and node.func.attr in WRITES and _is_domain_write(node, domain):
            yield node.lineno, ast.get_source_segment(text, node.func)


def domain_writes_outside_services() -> list[str]:
    domain = _domain_models()
    found = []
    for path in _python_files(*SCANNED):
        name = _relative(path)
        if any(name.startswith(prefix) for prefix in ALLOWED_PATHS):
            continue
        found += [
            f"{name}:{line}: {call}()" for line, call in _writes_in(path, domain) if (name, call) not in ALLOWED_CALLS
        ]
    return found


def test_the_domain_never_imports_the_outer_layers():
    offending = []
    for path in _python_files("gvi"):
        for module in _imports(ast.parse(path.read_text())):
            if module.split(".")[0] in FORBIDDEN_IN_DOMAIN:
                offending.append(f"{_relative(path)}: {module}")
    assert offending == []


def test_the_job_runner_never_imports_the_api_or_the_frontend():
    offending = []
    for path in _python_files("tasks"):
        for module in _imports(ast.parse(path.read_text())):
            if module.split(".")[0] in {"api", "frontend"}:
                offending.append(f"{_relative(path)}: {module}")
    assert offending == []


def test_nothing_outside_the_services_writes_a_domain_model():
    assert domain_writes_outside_services() == []


def test_every_allowance_is_still_needed():
    """An allowance whose file or call is gone goes too, so that the lists only shrink."""
    domain = _domain_models()
    assert [prefix for prefix in ALLOWED_PATHS if not (ROOT / prefix).exists()] == []
    live = {(path, call) for path in {p for p, _c in ALLOWED_CALLS} for _l, call in _writes_in(ROOT / path, domain)}
    assert set(ALLOWED_CALLS) - live == set()


@pytest.mark.parametrize(
    "source, is_write",
    [
        ("Person.objects.create(x=1)", True),
        ("m.Person.objects.filter(pk=1).update(x=1)", True),
        ("person.save()", True),
        ("person.aliases.create(alias='a')", True),
        ("queryset.filter(x=1).delete()", True),
        ("TOTPDevice.objects.create(user=u)", False),
        ("fields.update(other)", False),
        ("super().save(*args, **kwargs)", False),
        ("formset.save(commit=False)", False),
    ],
)
def test_the_scan_tells_domain_writes_from_others(source, is_write):
    call = ast.parse(source).body[0].value
    assert _is_domain_write(call, {"Person"}) is is_write


def test_the_admin_writes_through_the_services_or_not_at_all(rf):
    from gvi.admin import ThroughServices
    from tests import factories as f

    request = rf.get("/admin/")
    request.user = f.UserFactory.build(is_staff=True, is_superuser=True, is_active=True)
    writing_around = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "gvi" or isinstance(model_admin, ThroughServices):
            continue
        rights = (
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_delete_permission(request),
        )
        if any(rights):
            writing_around.append(model.__name__)
    assert writing_around == []
