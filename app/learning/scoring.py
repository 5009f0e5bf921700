"""Marking answers and an attempt's score: pure rules over the content model, shared by the pages and the tests.

An attempt's score is the percentage of the module's scored activities (docs/content.md) whose first answer in
that attempt is right; an unanswered one counts as wrong. A module without scored activities scores 100 once its
rule is met.
"""
from collections.abc import Collection, Mapping

from app.learning.attempts import attempt_score
from app.learning.content.model import Activity, Module


class InvalidAnswer(ValueError):
    """The answer names options the activity does not have, or the wrong number of them."""


def check_choices(activity: Activity, chosen_ids: Collection[str]) -> list[str]:
    """The chosen option or item ids in content order; raises InvalidAnswer when they cannot be an answer."""
    known = [option.id for option in activity.options] if activity.options else [item.id for item in activity.items]
    unknown = set(chosen_ids) - set(known)
    if unknown:
        raise InvalidAnswer(f"unknown choice(s) {sorted(unknown)} for activity {activity.id!r}")
    if activity.type in ("single_choice", "scenario") and len(set(chosen_ids)) != 1:
        raise InvalidAnswer(f"activity {activity.id!r} takes exactly one choice")
    if activity.type == "multiple_choice" and not chosen_ids:
        raise InvalidAnswer(f"activity {activity.id!r} takes at least one choice")
    return [choice for choice in known if choice in set(chosen_ids)]


def is_correct(activity: Activity, chosen_ids: Collection[str]) -> bool | None:
    """Right or wrong for a scored activity (a multiple choice wants exactly the correct options); None otherwise."""
    if not activity.is_scored:
        return None
    return {option.id for option in activity.options if option.correct} == set(chosen_ids)


def module_score(module: Module, correctness: Mapping[str, bool | None]) -> int:
    """The percentage of scored activities answered right, from activity id → first answer's correctness."""
    scored = [activity for activity in module.activities if activity.is_scored]
    right = sum(1 for activity in scored if correctness.get(activity.id))
    return attempt_score(right, len(scored))


def meets_completion_rule(module: Module, seen_section_ids: Collection[str], score: int) -> bool:
    """Every section seen (when the rule asks for it) and the score at least the rule's minimum."""
    rule = module.completion
    if rule.all_sections_seen and not {section.id for section in module.sections} <= set(seen_section_ids):
        return False
    return rule.min_score is None or score >= rule.min_score
