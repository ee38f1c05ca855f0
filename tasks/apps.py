from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self):
        # Register the shared tasks in every process, the worker included: config/celery.py's
        # autodiscover_tasks(["tasks"]) looks for a `tasks.tasks` module, which does not exist.
        from tasks import followups, scoring  # noqa: F401
