from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        # Importing authentication also registers its schema extension.
        from api import authentication, history, jobs  # noqa: F401  (jobs: registers the Celery task)

        authentication.connect()
        history.connect()
