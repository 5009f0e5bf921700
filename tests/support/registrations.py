"""Invitations to register: what the installation admin makes on the admin pages, and the URL an LMS admin gets."""
from urllib.parse import urlencode

from app.clock import SystemClock
from app.extensions import db
from app.lti.dynamic_registration import create_invitation
from app.tenancy.models import Organisation


def invite(app, *, organisation: str | None = None, new_organisation: str | None = None, now=None) -> str:
    """What the installation admin does on the admin pages: a one-time invitation's token (an existing organisation
    named `organisation`, made here, or a new one)."""
    with app.app_context():
        existing = None
        if organisation:
            existing = Organisation(name=organisation)
            db.session.add(existing)
        named = {"organisation_name": new_organisation} if new_organisation else {}
        _, token = create_invitation(existing, now=now or SystemClock().now(), **named)
        db.session.commit()
    return token


def invited(registration_url: str, token: str) -> str:
    return f"{registration_url}?{urlencode({'invitation': token})}"
