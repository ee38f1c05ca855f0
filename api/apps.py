from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from api import authentication, history  # noqa: F401  (registers the schema extension)

        history.connect()
