"""Settings for the benchmark's gunicorn only: the project's settings with the bench URLconf.

The bare floor view lives in bench/urls.py and is reachable only under these settings, never
in production URLs.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
