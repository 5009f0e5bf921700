"""What the instructor chose in the picker, and the content items that put it in the course (docs/lti.md, Deep Linking).

Every item is an ltiResourceLink (itslearning accepts nothing else) with the tool's launch URL, a title and a
text in the launch's language, and a lineItem so the LMS makes a gradebook column:

| chosen          | custom                 | lineItem resourceId | tag             |
|-----------------|------------------------|---------------------|-----------------|
| a module        | {"module": <module id>} | the module id       | rexvet-module   |
| the whole path  | none                   | "path"              | rexvet-path     |

A whole-path link carries no `module` parameter: it is then the same as a link an LMS admin adds by hand with
the tool's plain launch URL, which opens the path page (app.learning.start), and an LMS that drops empty
custom values cannot turn it into something else.
"""
from dataclasses import dataclass

from flask_babel import gettext as _

from app.errors import AppError
from app.learning.content.model import Module, PathModel
from app.lti.constants import MODULE_PARAMETER
from app.lti.deep_linking import line_item, resource_link_item
from app.lti.tool_values import MODULE_LINE_ITEM_TAG, PATH_LINE_ITEM_TAG, PATH_RESOURCE_ID

PATH_CHOICE = "path"
MODULE_CHOICE_PREFIX = "module:"
SCORE_MAXIMUM = 100


class InvalidSelection(AppError):
    """The picker's form named nothing, too much, or something the path does not have."""

    status = 400


@dataclass(frozen=True)
class Selection:
    whole_path: bool
    modules: tuple[Module, ...]

    @property
    def choices(self) -> tuple[str, ...]:
        """The form values that stand for this selection, to tick them again on the page."""
        return ((PATH_CHOICE,) if self.whole_path else ()) + tuple(module_choice(module) for module in self.modules)

    @property
    def size(self) -> int:
        return len(self.modules) + (1 if self.whole_path else 0)


def module_choice(module: Module) -> str:
    return MODULE_CHOICE_PREFIX + module.id


def kept_choices(values: list[str], path: PathModel) -> Selection:
    """The choices of a form that still name something on the path (a search keeps what was ticked before it)."""
    wanted = set(values)
    modules = tuple(module for module in path.modules if module_choice(module) in wanted)
    return Selection(PATH_CHOICE in wanted, modules)


def read_selection(values: list[str], path: PathModel, *, accept_multiple: bool) -> Selection:
    """The selection the instructor submitted, or an error saying what to change."""
    values = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    for value in values:
        if value == PATH_CHOICE:
            continue
        if not value.startswith(MODULE_CHOICE_PREFIX):
            raise InvalidSelection(_("“%(value)s” is not one of the choices on this page.", value=value[:100]))
        module_id = value.removeprefix(MODULE_CHOICE_PREFIX)
        if path.module(module_id) is None:
            raise InvalidSelection(
                _("The path has no module “%(module)s” any more.", module=module_id[:100]),
                hint=_("The modules may have been updated while you were choosing. Choose again from the list."),
            )
    selection = kept_choices(values, path)
    if selection.size == 0:
        raise InvalidSelection(_("Choose at least one module or the whole path, or press Cancel to add nothing."))
    if selection.size > 1 and not accept_multiple:
        raise InvalidSelection(_("Your LMS adds one item at a time: choose one module or the whole path."))
    return selection


def content_items(selection: Selection, path: PathModel, *, locale: str, launch_url: str) -> list[dict]:
    """One ltiResourceLink per chosen thing, the whole path first, modules in the path's order."""
    items = []
    if selection.whole_path:
        title = _("REX VET Path: your international skills path")
        items.append(
            resource_link_item(
                title=title,
                text=_(
                    "A self-assessment shows where you stand in each area; the path then suggests which of its "
                    "%(count)s modules to do next.",
                    count=len(path.modules),
                ),
                url=launch_url,
                custom={},
                line_item=line_item(
                    label=title, score_maximum=SCORE_MAXIMUM, resource_id=PATH_RESOURCE_ID, tag=PATH_LINE_ITEM_TAG
                ),
            )
        )
    for module in selection.modules:
        title = module.localised(locale)
        items.append(
            resource_link_item(
                title=title,
                text=module_summary(module, path, locale),
                url=launch_url,
                custom={MODULE_PARAMETER: module.id},
                line_item=line_item(
                    label=title, score_maximum=SCORE_MAXIMUM, resource_id=module.id, tag=MODULE_LINE_ITEM_TAG
                ),
            )
        )
    return items


def module_summary(module: Module, path: PathModel, locale: str) -> str:
    """A plain-text description for the LMS: where the module sits on the path, how long it takes, what it teaches."""
    area, level = path.area(module.area), path.level(module.level)
    facts = _("%(area)s, %(level)s level, %(minutes)s minutes.", area=area.localised(locale) if area else module.area,
              level=level.localised(locale) if level else module.level, minutes=module.minutes)
    return " ".join([facts, *(outcome.localised(locale) for outcome in module.outcomes)])
