"""The page views live in frontend/pages/, one module per topic."""

from frontend.pages.weekly_review import weekly_review  # noqa: F401  (kept for imports of frontend.views)
