"""PDF with WeasyPrint. Static files are read from disk: no HTTP request back to ourselves."""

from django.conf import settings
from django.contrib.staticfiles import finders


def _static_fetcher(url: str):
    from weasyprint import default_url_fetcher

    prefix = "file://" + settings.STATIC_URL
    for start in (prefix, settings.STATIC_URL):
        if url.startswith(start):
            path = finders.find(url[len(start) :])
            if path:
                with open(path, "rb") as handle:
                    return {"string": handle.read(), "mime_type": _mime(path)}
    if url.startswith("data:"):
        return default_url_fetcher(url)
    # Nothing else is fetched: a PDF of personal data never reaches out to the network.
    raise ValueError(f"Not fetched: {url}")


def _mime(path: str) -> str:
    return {"css": "text/css", "svg": "image/svg+xml", "png": "image/png"}.get(path.rsplit(".", 1)[-1], "")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url="file:///", url_fetcher=_static_fetcher).write_pdf()
