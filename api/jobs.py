"""The API's housekeeping job. It lives with the records it deletes, so that `tasks` (the domain's
jobs) never imports `api`; `api.apps.ApiConfig.ready` imports it in every process, the worker included.
"""

from celery import shared_task

from api.idempotency import purge_expired_records
from tasks.followups import RETRYING


# The name it had in tasks.maintenance: the beat schedule rows (tasks.schedules) store it.
@shared_task(name="tasks.maintenance.purge_idempotency_records", **RETRYING)
def purge_idempotency_records(self) -> int:
    """Delete expired API idempotency records. Idempotent: a second run finds nothing."""
    return purge_expired_records()
