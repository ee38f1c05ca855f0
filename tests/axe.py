"""axe-core in the browser tests: every page a browser test opens is audited against WCAG 2.1 A/AA.

How it works (nothing to do in a new test):
- The `browser` fixture (tests/conftest.py) hands out an `AuditedBrowser`: every context and page
  made from it is watched. Each time a page finishes loading an HTML document, axe-core (bundled
  by axe-playwright-python, no network) runs on it at once, so states reached by a POST or a
  click (a form with errors, an htmx swap before the load) are audited as the user saw them.
- A test may navigate on before the audit finished; such a URL is kept as pending and audited
  when its context (or page) is closed, or at the end of the test, by opening it again with the
  same session. So every URL is audited at least once per test, deterministically.
- Before a context or page closes, the page's final state is audited too when its HTML changed
  since the last audit (htmx swaps).
- At the end of each test, the autouse fixture `axe_every_page` fails the test if any audit
  found a violation of a rule tagged wcag2a, wcag2aa, wcag21a or wcag21aa, listing the URL, the
  logged-in user, the rule and the elements.

`audit(page)` runs axe on demand (the crawl test in tests/frontend/test_wcag.py uses it).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.base import AXE_SCRIPT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# Pages that are not ours to fix, with the reason. Nothing of the app's own UI belongs here.
EXEMPT_PATH_PREFIXES = {
    "/api/docs/": "Swagger UI, a vendored third-party page for developers, not part of the service",
    "/admin/": "Django's admin, a vendor UI for administrators only",
}

_PROBE = """() => ({
  html: document.contentType === "text/html",
  user: (document.querySelector(".user-name") || {}).textContent || "anonymous",
})"""


@dataclass
class Finding:
    url: str
    user: str
    rule: str
    impact: str
    help: str
    targets: list

    def __str__(self) -> str:
        where = "; ".join(self.targets[:5]) + (f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else "")
        return f"{self.url} [{self.user}] {self.rule} ({self.impact}): {self.help} -> {where}"


def exempt(url: str) -> bool:
    path = urlsplit(url).path
    return any(path.startswith(prefix) for prefix in EXEMPT_PATH_PREFIXES)


def audit(page) -> list[Finding] | None:
    """Run axe on the page as it is now; None when it is not an HTML page (a download, a PDF)."""
    probe = page.evaluate(_PROBE)
    if not probe["html"] or exempt(page.url):
        return None
    url = page.url
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        Finding(
            url=url,
            user=probe["user"].strip(),
            rule=violation["id"],
            impact=violation.get("impact") or "",
            help=violation["help"],
            targets=[" ".join(map(str, node["target"])) for node in violation["nodes"]],
        )
        for violation in result["violations"]
    ]


def _digest(page) -> str:
    markup = page.evaluate("() => document.documentElement ? document.documentElement.outerHTML : ''")
    return hashlib.sha256(markup.encode()).hexdigest()


@dataclass
class Auditor:
    """What one test's pages were found to have. Reset by the autouse fixture for every test."""

    findings: list = field(default_factory=list)
    audited: set = field(default_factory=set)  # URLs audited in this test
    pending: dict = field(default_factory=dict)  # context -> URLs loaded but not yet audited
    digests: dict = field(default_factory=dict)  # page -> digest of the markup last audited
    contexts: list = field(default_factory=list)
    busy: bool = False
    enabled: bool = True

    def reset(self) -> None:
        self.findings, self.audited, self.pending, self.digests, self.contexts = [], set(), {}, {}, []
        self.busy, self.enabled = False, True

    # -- watching ----------------------------------------------------------------------------
    def watch_context(self, context) -> None:
        self.contexts.append(context)
        self.pending.setdefault(context, set())
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)

    def watch_page(self, page) -> None:
        page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        if not self.enabled or page.is_closed():
            return
        url = urldefrag(page.url).url
        if url in self.audited or url.startswith(("about:", "data:", "chrome")) or exempt(url):
            return
        pending = self.pending.setdefault(page.context, set())
        pending.add(url)
        if self.busy:  # another audit runs (in this handler's other call): left for finish_context
            return
        try:
            self.busy = True
            findings = audit(page)
            still_here = urldefrag(page.url).url == url
        except Exception:  # navigated on or closed mid-audit: audited again from pending
            return
        finally:
            self.busy = False
        if findings is None or still_here:
            self._record(url, findings or [])
            pending.discard(url)
            with contextlib.suppress(Exception):
                self.digests[page] = _digest(page)

    def _record(self, url: str, findings: list) -> None:
        self.audited.add(url)
        self.findings.extend(findings)

    # -- finishing ---------------------------------------------------------------------------
    def _settle(self, page) -> None:
        """Let an audit started by a load event finish first (its handler runs while we wait)."""
        for _ in range(200):
            if not self.busy or page.is_closed():
                return
            page.wait_for_timeout(50)

    def finish_page(self, page) -> None:
        """Audit the page's final state if its markup changed since its last audit (htmx)."""
        if not self.enabled or page.is_closed():
            return
        self._settle(page)
        url = urldefrag(page.url).url
        if url.startswith(("about:", "data:", "chrome")) or exempt(url):
            return
        try:
            if self.digests.get(page) == _digest(page):
                return
            self.busy = True
            findings = audit(page)
        except Exception:
            return
        finally:
            self.busy = False
        if findings is not None:
            self._record(url, findings)

    def finish_context(self, context) -> None:
        """Before a context closes: its pages' final states, then every URL still pending."""
        if not self.enabled:
            self.pending.pop(context, None)
            return
        for page in list(context.pages):
            self.finish_page(page)
        for url in sorted(self.pending.pop(context, set()) - self.audited):
            page = context.new_page()
            self.busy = True
            try:
                page.goto(url, wait_until="load")
                findings = audit(page)
            except Exception:
                findings = None
            finally:
                page.close()
                self.busy = False
            self._record(url, findings or [])

    def finish(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):  # closed already: nothing left to audit there
                self.finish_context(context)

    @staticmethod
    def report_of(findings) -> str:
        lines = sorted({str(finding) for finding in findings})
        return "WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(lines)


AUDITOR = Auditor()


class _Proxy:
    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        return getattr(self._target, name)

    def __setattr__(self, name, value):
        setattr(self._target, name, value)


class AuditedContext(_Proxy):
    def close(self, *args, **kwargs):
        AUDITOR.finish_context(self._target)
        return self._target.close(*args, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AuditedBrowser(_Proxy):
    """The Playwright browser, with every context and page watched by `AUDITOR`."""

    def new_context(self, *args, **kwargs):
        context = self._target.new_context(*args, **kwargs)
        AUDITOR.watch_context(context)
        return AuditedContext(context)

    def new_page(self, *args, **kwargs):
        page = self._target.new_page(*args, **kwargs)
        AUDITOR.watch_context(page.context)  # watches the page too
        return page
