"""Where a launch opens in the learner's pages, and where a module opens: computed here, so the launch's one 303
names the page itself (app/lti/landing.py) and `/start` and `/modules/<id>` redirect by the same rules."""
from flask_babel import gettext as _

from app.learning.content import path_model
from app.learning.content.model import Module
from app.learning.progress import find_progress, resume_section
from app.lti.landing import Landing
from app.lti.models import Launch


def module_entry(launch: Launch, module: Module) -> Landing:
    """A module opens where the learner left off, in this launch or an earlier one; a completed module opens at
    its summary (its result and what to do next), unless the learner is in a new attempt."""
    progress = find_progress(launch.organisation_id, launch.person_id, module.id)
    if progress is not None and progress.is_completed and (
        progress.current_attempt is None or progress.current_attempt.is_completed
    ):
        return Landing("learning.module_summary", {"module_id": module.id})
    section = resume_section(module, progress)
    return Landing("learning.section", {"module_id": module.id, "section_id": section.id})


def launch_landing(launch: Launch) -> Landing:
    """The module the course link names (custom parameter `module`), or the path page (a link without `module`,
    such as a "whole path" link, or one naming a module the path no longer has: then with a warning)."""
    module_id = launch.requested_module_id
    if module_id is None:
        return Landing("learning.home")
    module = path_model().module(module_id)
    if module is None:
        return Landing("learning.home", warning=_(
            "This course link opens the module “%(module)s”, which the path no longer has. Here is your path "
            "instead; tell your teacher so they can update the link.", module=module_id))
    return module_entry(launch, module)
