"""gunicorn settings, read from the environment like everything else."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
errorlog = "-"
# Don't let a slow or dead worker hold requests for long.
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

REFUSAL = (
    "gunicorn serves production only: set GVI_ENVIRONMENT=production with real keys "
    "(see .env.example), or GVI_GUNICORN_DEVELOPMENT=1 to serve a development setup on purpose."
)


def post_worker_init(worker):
    """gunicorn is how the web is served in production. Served in development, it would run with
    DEBUG and the published development keys, so a deployment that forgets GVI_ENVIRONMENT stops
    here: a worker that fails to boot stops gunicorn. Checked in the worker, once the settings
    (with .env) are loaded, so the master never imports Django and a reload reads them afresh.
    manage.py and the demo's runserver are not affected; the benchmark opts in on purpose."""
    from django.conf import settings

    if not settings.PRODUCTION and os.environ.get("GVI_GUNICORN_DEVELOPMENT") != "1":
        raise RuntimeError(REFUSAL)
