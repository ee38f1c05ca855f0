from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self):
        # Register the shared tasks in every process, the worker included.
        from tasks import followups, imports, maintenance, memberships, retention, scoring, weekly_counts  # noqa: F401
