"""What the tool sends to the LMS gradebook for each learning event: the table of docs/grades.md, as code.

Pure functions of the launch's AGS claim, the module and the learner's progress; app.grades.passback stores
what they return. A target is the line item a score goes to; a Score is what the learner's row should say.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.learning.content.model import Module, PathModel
from app.lti.constants import AGS_ENDPOINT, AGS_SCOPE_LINE_ITEM, AGS_SCOPE_SCORE
from app.lti.models import Launch
from app.lti.tool_values import PATH_RESOURCE_ID

STARTED, IN_PROGRESS, COMPLETED = "Started", "InProgress", "Completed"
NOT_READY, PENDING, FULLY_GRADED = "NotReady", "Pending", "FullyGraded"


LINE_ITEM_URL_MAX = 1000  # grade_syncs.line_item_key and line_item_url


@dataclass(frozen=True)
class Target:
    key: str
    line_item_url: str | None
    line_items_url: str | None
    resource_id: str
    label: str
    resource_link_id: str | None
    # Why no score can go to this line item (the LMS's AGS claim is malformed): the row is recorded failed with it.
    problem: str | None = None


@dataclass(frozen=True)
class Score:
    activity_progress: str
    grading_progress: str
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None


def ags_claim(launch: Launch) -> dict:
    return (launch.claims or {}).get(AGS_ENDPOINT) or {}


def may_send_scores(launch: Launch) -> bool:
    return AGS_SCOPE_SCORE in (ags_claim(launch).get("scope") or [])


def url_problem(value, name: str) -> str | None:
    """Why an AGS claim's `lineitem`/`lineitems` cannot be used as a service URL (None when it can).

    The claim comes from the LMS as it is: a number, an object or an endless string must cost the score with a
    clear reason, never the learner's completion (it used to break the transaction that records it).
    """
    if not isinstance(value, str):
        return (f"The LMS gave this link a malformed AGS `{name}`: a {type(value).__name__} where the line item's "
                f"URL belongs ({str(value)[:100]!r}).")
    parts = urlsplit(value) if len(value) <= LINE_ITEM_URL_MAX else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"The LMS gave this link a malformed AGS `{name}` ({value[:100]!r}"
                f"{f', {len(value)} characters' if len(value) > LINE_ITEM_URL_MAX else ''}): it must be an "
                f"http(s) URL of at most {LINE_ITEM_URL_MAX} characters.")
    return None


def _link_target(launch: Launch, resource_id: str, label: str, claim: dict) -> Target:
    """The launch's own line item (`lineitem`), or, when the LMS sent a malformed one, a target saying why not."""
    link = launch.resource_link_id or None
    problem = url_problem(claim["lineitem"], "lineitem")
    if problem is None:
        container = claim.get("lineitems") if url_problem(claim.get("lineitems"), "lineitems") is None else None
        return Target(claim["lineitem"], claim["lineitem"], container, resource_id, label, link)
    return Target(malformed_key(launch.deployment_id, link, resource_id), None, None, resource_id, label, link,
                  problem=problem + " The completion is recorded; the LMS's administrator must fix the link's "
                  "gradebook settings, then the learner opens it again.")


def malformed_key(deployment_id: int, resource_link_id: str | None, resource_id: str) -> str:
    """The line item key of a link whose `lineitem` is malformed: one row per link and learner holds the failure
    (its key cannot be the unusable URL), replaced once the LMS sends a usable one."""
    return f"malformed-lineitem:{deployment_id}:{(resource_link_id or '')[:255]}:{resource_id}"


def module_target(launch: Launch, module: Module) -> Target | None:
    """The module's line item in this launch: its own link's, or one found or created in the container."""
    claim = ags_claim(launch)
    if launch.requested_module_id == module.id and claim.get("lineitem"):
        return _link_target(launch, module.id, module.title.english, claim)
    if not claim.get("lineitem") and claim.get("lineitems") and AGS_SCOPE_LINE_ITEM in (claim.get("scope") or []):
        key = f"{claim['lineitems']}#resource={module.id}"
        problem = url_problem(claim["lineitems"], "lineitems") or url_problem(key, "lineitems")
        if problem is not None:
            key = f"malformed-lineitems:{launch.deployment_id}:{module.id}"
            return Target(key, None, None, module.id, module.title.english, None, problem=problem)
        return Target(key, None, claim["lineitems"], module.id, module.title.english, None)
    return None


def path_target(launch: Launch) -> Target | None:
    """A link to the whole path (no `module` parameter) with its own line item."""
    claim = ags_claim(launch)
    if launch.requested_module_id is None and claim.get("lineitem"):
        return _link_target(launch, PATH_RESOURCE_ID, "REX VET Path", claim)
    return None


def module_score(*, completed: bool, score: int | None, gone_through_a_section: bool = False) -> Score:
    """Started when opened, InProgress once a section is gone through (no score: before completion nothing is
    graded yet), Completed with the module's result (its best completed attempt)."""
    if completed:
        return Score(COMPLETED, FULLY_GRADED, float(score), 100.0, f"Module completed with {score} %.")
    return Score(IN_PROGRESS if gone_through_a_section else STARTED, NOT_READY)


def path_score(path: PathModel, completed_module_ids: frozenset[str]) -> Score:
    """Modules completed of the modules in the path, as a percentage, always FullyGraded; Completed when all are.

    FullyGraded also while the path is in progress: Moodle (4.5) keeps only FullyGraded scores, so a Pending
    partial score left its gradebook at "–" until the last module. The partial percentage is a real grade; the
    LMS's completion rule for the path link is "grade to pass 100" (docs/lti.md), and activityProgress says
    InProgress until all modules are done.
    """
    modules = [module.id for module in path.modules]
    done = len(set(modules) & completed_module_ids)
    percentage = round(100 * done / len(modules), 2) if modules else 0.0
    all_done = bool(modules) and done == len(modules)
    return Score(COMPLETED if all_done else IN_PROGRESS, FULLY_GRADED, percentage, 100.0,
                 f"{done} of {len(modules)} modules completed.")
