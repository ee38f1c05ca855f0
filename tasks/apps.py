from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self):
        # Register the shared tasks in every process, the worker included.
        from gvi import jobs
        from tasks import followups, imports, memberships, retention, scoring, weekly_counts  # noqa: F401

        # Fill in the domain's seam (gvi.jobs). `.delay` is looked up at each call, so a test that
        # swaps a task's `delay` still sees its own.
        jobs.register(jobs.APPLY_FOLLOWUP_RULES, lambda *args: followups.apply_rules_for.delay(*args))
        jobs.register(jobs.SCORE_PROGRAMME, lambda *args: scoring.score_programme.delay(*args))
        jobs.register(jobs.RUN_IMPORT, lambda *args: imports.run_import.delay(*args))
        jobs.register(jobs.EXPIRE_IMPORTS, lambda *args: imports.expire_imports.delay(*args))
