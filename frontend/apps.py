from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self):
        # The single sign-on's settings check and its sign-in signal (frontend/sso.py).
        from frontend import sso  # noqa: F401
