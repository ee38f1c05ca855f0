"""PDF with WeasyPrint. Static files are read from disk: no HTTP request back to ourselves,
and nothing else is fetched, so a PDF of the review never reaches out to the network."""

from django.conf import settings
from django.contrib.staticfiles import finders

MIME_TYPES = {"css": "text/css", "svg": "image/svg+xml", "png": "image/png"}


def _static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            prefix = "file://" + settings.STATIC_URL
            if url.startswith(prefix):
                path = finders.find(url[len(prefix) :].split("?")[0])
                if path:
                    with open(path, "rb") as handle:
                        body = handle.read()
                    mime = MIME_TYPES.get(path.rsplit(".", 1)[-1], "application/octet-stream")
                    return URLFetcherResponse(url, body, {"Content-Type": mime})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"Not fetched: {url}")

    return StaticFilesFetcher


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    fetcher = _static_fetcher_class()(allowed_protocols=["file", "data"])
    return HTML(string=html, base_url="file:///", url_fetcher=fetcher).write_pdf()
