"""The one seam between the domain and the job runner: "after this commit, run that job".

The domain names its background jobs here and asks for them with `after_commit`; it never imports
Celery or the `tasks` app. `tasks` fills the registry in at start-up (`tasks.apps.TasksConfig.ready`)
with one dispatcher per job name, in every process (web, worker, tests).

    from gvi import jobs

    jobs.after_commit(jobs.SCORE_PROGRAMME, incident.programme_id, jobs.INCIDENT_TRIGGER)
    jobs.apply_followup_rules("flag", flag.pk)  # shorthand for APPLY_FOLLOWUP_RULES
    report = create_record_with_rules(report, user=user, kind="concern_report")  # gvi.services.common

A job is dispatched only once the surrounding transaction commits (`transaction.on_commit`), so a
rolled-back write dispatches nothing and the job always finds the committed rows; outside a
transaction it is dispatched at once. A name nobody registered raises `UnknownJob` at the call, not
at commit, so a typo fails the first test that reaches it instead of vanishing in a callback.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction

# The jobs, and the arguments each takes (positional, in this order; IDs and strings only, since
# the dispatcher may serialise them onto a queue).
APPLY_FOLLOWUP_RULES = "apply_followup_rules"  # (cause_kind: str, cause_id: int)
SCORE_PROGRAMME = "score_programme"  # (programme_id: int, trigger: str)
RUN_IMPORT = "run_import"  # (import_run_id: int, mode: "check" | "execute"), gvi.services.imports
# () hourly from the beat schedule; imports never confirmed: files deleted, runs expired
# (gvi.services.imports.expire_unconfirmed).
EXPIRE_IMPORTS = "expire_imports"
JOBS = (APPLY_FOLLOWUP_RULES, SCORE_PROGRAMME, RUN_IMPORT, EXPIRE_IMPORTS)

# SCORE_PROGRAMME's trigger for a new or changed incident: bursts of these are coalesced.
INCIDENT_TRIGGER = "incident"


class UnknownJob(LookupError):
    """No dispatcher is registered under this job name (a typo, or the `tasks` app is not installed)."""


_dispatchers: dict[str, Callable[..., object]] = {}


def register(job_name: str, dispatch: Callable[..., object]) -> None:
    """Make `dispatch(*args)` the way to run `job_name` (called by `tasks` at start-up).

    Registering a name again replaces its dispatcher (a test may swap in its own)."""
    _dispatchers[job_name] = dispatch


def dispatcher(job_name: str) -> Callable[..., object]:
    """The registered dispatcher of `job_name`; `UnknownJob` when there is none."""
    try:
        return _dispatchers[job_name]
    except KeyError:
        raise UnknownJob(
            f"No job registered as {job_name!r} (registered: {', '.join(sorted(_dispatchers)) or 'none'})."
        ) from None


def _dispatch(job_name: str, args: tuple) -> None:
    dispatcher(job_name)(*args)  # looked up again at commit: a dispatcher swapped in meanwhile wins


def after_commit(job_name: str, *args) -> None:
    """Run the job `job_name` with `args` after the current transaction commits."""
    dispatcher(job_name)  # fail loudly now, not silently at commit
    transaction.on_commit(partial(_dispatch, job_name, args))


def apply_followup_rules(cause_kind: str, cause_id: int) -> None:
    """After this commit, run the follow-up rules that the record `cause_kind` #`cause_id` triggers
    (see `gvi.followup_rules.apply_rules_for`)."""
    after_commit(APPLY_FOLLOWUP_RULES, cause_kind, cause_id)
