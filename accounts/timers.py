"""Registry of timer sweeps.

Deadlines are database columns; each app registers a ``Sweep`` that fires what
is due under ``hooks.TIMERS`` in its ``hooks.py``. Celery beat runs them every
TIMER_SWEEP_INTERVAL seconds (20); ``manage.py run_timers`` runs the same functions in a loop for the
embedded setup.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from accounts import hooks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    name: str
    run: Callable  # run(now) -> number of steps fired
    oldest_overdue: Callable | None = None  # oldest_overdue(now=…) -> datetime | None


def registered():
    return {sweep.name: sweep for sweep in hooks.get_hooks(hooks.TIMERS)}


def run_all(now=None):
    """Run every sweep; one failing sweep does not stop the others."""
    from accounts.models import TimerRun

    results = {}
    for sweep in registered().values():
        started = timezone.now()
        error = ""
        try:
            results[sweep.name] = sweep.run(now or timezone.now())
        except Exception as exc:  # noqa: BLE001 - recorded for the health page, retried at the next sweep
            log.exception("timer sweep %s failed", sweep.name)
            error = f"{type(exc).__name__}: {exc}"[:1000]
            results[sweep.name] = None
        TimerRun.objects.update_or_create(
            name=sweep.name,
            defaults={"last_started_at": started, "last_finished_at": timezone.now(), "last_error": error},
        )
    return results


def oldest_overdue(now=None):
    """(sweep name, due time) of the oldest deadline that has passed without firing."""
    now = now or timezone.now()
    found = []
    for sweep in registered().values():
        if sweep.oldest_overdue:
            due = sweep.oldest_overdue(now=now)
            if due is not None:
                found.append((due, sweep.name))
    return min(found) if found else None
