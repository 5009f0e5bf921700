"""The periodic clean-up of expired launch data: shared-cache entries, plus whatever features register."""
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.clock import current_clock
from app.jobs.registry import RunningJob, job_handler, register_periodic
from app.shared_cache import shared_cache

PURGE_EXPIRED_LAUNCH_DATA = "purge_expired_launch_data"

log = logging.getLogger(__name__)

# Each purge deletes what expired by the given moment (e.g. OIDC login states, launches) and returns how many.
Purge = Callable[[datetime], int]
purges: list[Purge] = []


def register_purge(purge: Purge) -> None:
    """Have the periodic clean-up also call purge(now); registering the same function again does nothing."""
    if purge not in purges:
        purges.append(purge)


@job_handler(PURGE_EXPIRED_LAUNCH_DATA)
def purge_expired_launch_data(payload: dict, job: RunningJob) -> None:
    """Delete expired shared-cache entries, then run every registered purge."""
    now = current_clock().now()
    removed = {"shared_cache": shared_cache().purge_expired()}
    for purge in purges:
        removed[purge.__qualname__] = purge(now)
    log.info("job %s purged expired launch data: %s", job.id, removed)


register_periodic(PURGE_EXPIRED_LAUNCH_DATA, every=timedelta(minutes=10))
