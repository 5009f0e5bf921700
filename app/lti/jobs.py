"""The LTI package's periodic jobs for `flask worker`."""
from datetime import timedelta

from app.clock import current_clock
from app.jobs.registry import RunningJob, job_handler, register_periodic
from app.lti.keys import advance_key_rotation

ADVANCE_TOOL_KEY_ROTATION = "advance_tool_key_rotation"


@job_handler(ADVANCE_TOOL_KEY_ROTATION)
def advance_tool_key_rotation(payload: dict, job: RunningJob) -> None:
    """Activate due keys and retire those past their grace period (committed with the job)."""
    advance_key_rotation(current_clock().now())


register_periodic(ADVANCE_TOOL_KEY_ROTATION, every=timedelta(minutes=5))
