"""Import jobs. Thin: they take the run's id and call `gvi.services.imports`.

Idempotent: a run already finished is left as it is; a run interrupted (worker killed) committed
nothing and starts over. A run that reaches the soft time limit is rolled back and marked failed
with a message to split the file, not retried.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from tasks.followups import RETRYING


@shared_task(**{**RETRYING, "max_retries": 2})
def run_import(self, run_id: int, mode: str):
    from django.utils.translation import gettext as _

    from gvi.models import ImportRun, ImportStatus
    from gvi.services import imports

    run = ImportRun.objects.select_related("created_by__organisation").filter(pk=run_id).first()
    if run is None:
        return None
    try:
        if mode == imports.CHECK:
            if run.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWING):
                return run.status
            run = imports.check(user=run.created_by, run=run)
        else:
            run = imports.execute(user=run.created_by, run=run)
    except SoftTimeLimitExceeded:
        imports.fail(run, _("The file took too long to import; nothing was written. Split it into smaller files."))
        return ImportStatus.FAILED
    return run.status


@shared_task(**RETRYING)
def expire_imports(self) -> int:
    """Hourly (tasks.schedules): files of imports never confirmed within GVI_IMPORT_EXPIRE_HOURS
    are deleted and their runs marked expired; returns how many. Idempotent: a second run finds none."""
    from gvi.services import imports

    return imports.expire_unconfirmed()
