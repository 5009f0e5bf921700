"""Organisations (the tenants): the one constructor, look-ups by id or name, renaming and approval.

Not scoped to one organisation: the installation admin, the LMS registrations and the launch's first visit of a new
site make and find organisations across the installation. These functions flush at most; the caller commits.
"""
import logging

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import InvalidInput, NotFound
from app.events import organisation_activated
from app.extensions import db
from app.tenancy.models import Organisation

log = logging.getLogger(__name__)

MAX_ORGANISATION_NAME_LENGTH = 200


def create_organisation(name: str, *, status: str = Organisation.ACTIVE) -> Organisation:
    """A new organisation in the session: the one place an Organisation is made (callers check or cut the name)."""
    organisation = Organisation(name=name, status=status)
    db.session.add(organisation)
    return organisation


def get_organisation(organisation_id: int) -> Organisation:
    return get_or_not_found(
        Organisation, organisation_id, _("There is no organisation with id %(id)s.", id=organisation_id)
    )


def get_or_not_found(model, object_id: int, message: str):
    """The row by primary key, or NotFound with `message` (for the installation-wide look-ups, never scoped)."""
    row = db.session.get(model, object_id)
    if row is None:
        raise NotFound(message, hint=_("It may have been removed; go back to the overview and pick it from the list."))
    return row


def all_organisations() -> list[Organisation]:
    """Every organisation by name, for choosing where a deployment belongs."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def find_organisation(reference: str) -> Organisation:
    """An organisation by id (digits) or by its exact name; InvalidInput if none or several match."""
    reference = reference.strip()
    if reference.isdigit():
        return get_organisation(int(reference))
    matches = list(
        db.session.scalars(select(Organisation).where(Organisation.name == reference).order_by(Organisation.id))
    )
    if not matches:
        raise InvalidInput(_("There is no organisation called %(name)s.", name=repr(reference)))
    if len(matches) > 1:
        raise InvalidInput(
            _("Several organisations are called %(name)s (ids %(ids)s): give the id instead.",
              name=repr(reference), ids=", ".join(str(organisation.id) for organisation in matches))
        )
    return matches[0]


def chosen_organisation(organisation_id: int | None, new_organisation_name: str | None) -> Organisation:
    """An existing organisation by id or a new (active) one by name: exactly one of the two; activated."""
    new_organisation_name = (new_organisation_name or "").strip()
    if (organisation_id is None) == (not new_organisation_name):
        raise InvalidInput(_("Choose either an existing organisation or a name for a new one, not both or neither."))
    if organisation_id is not None:
        organisation = get_organisation(organisation_id)
    else:
        organisation = create_organisation(checked_organisation_name(new_organisation_name))
    activate_organisation(organisation)
    return organisation


def rename_organisation(organisation_id: int, name: str) -> Organisation:
    """Give an organisation a new name."""
    organisation = get_organisation(organisation_id)
    organisation.name = checked_organisation_name(name)
    log.info("organisation %s renamed", organisation.id)
    return organisation


def checked_organisation_name(name: str) -> str:
    """The name trimmed; InvalidInput unless it has 1 to MAX_ORGANISATION_NAME_LENGTH characters."""
    name = name.strip()
    if not name or len(name) > MAX_ORGANISATION_NAME_LENGTH:
        raise InvalidInput(
            _("An organisation name needs 1 to %(max)s characters.", max=MAX_ORGANISATION_NAME_LENGTH)
        )
    return name


def activate_organisation(organisation: Organisation) -> None:
    """The installation admin vouches for the organisation: a pending one becomes active and its people get the
    badges they earned while it waited (held, never signed in its name before)."""
    was_pending = organisation.status == Organisation.PENDING
    organisation.status = Organisation.ACTIVE
    if was_pending and organisation.id is not None:
        db.session.flush()
        organisation_activated.send(organisation)
        log.info("organisation %s approved", organisation.id)


def approve_organisation(organisation_id: int) -> Organisation:
    """Approve a pending organisation by itself (one made by a registration before the admin looked at it)."""
    organisation = get_organisation(organisation_id)
    if organisation.status != Organisation.PENDING:
        raise InvalidInput(_("Organisation %(name)s is not waiting for approval.", name=organisation.name))
    activate_organisation(organisation)
    return organisation
