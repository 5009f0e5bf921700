"""Installation settings the admin changes on the admin pages, kept in the database (one row per setting)."""
import logging

from app.extensions import db
from app.tenancy.models import InstallationSetting

log = logging.getLogger(__name__)

REQUIRE_REGISTRATION_APPROVAL = "require_registration_approval"
DEFAULTS = {REQUIRE_REGISTRATION_APPROVAL: False}


def get_setting(key: str):
    """The stored value, or the default when the admin never changed it."""
    row = db.session.get(InstallationSetting, key)
    return row.value if row is not None else DEFAULTS[key]


def set_setting(key: str, value) -> None:
    """Store a setting (flushes; the route commits)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(InstallationSetting, key) or InstallationSetting(key=key)
    row.value = value
    db.session.add(row)
    db.session.flush()
    log.info("installation setting %s set to %r", key, value)


def registration_approval_required() -> bool:
    """Whether dynamically registered LMSs start pending, their launches refused until an admin approves them."""
    return bool(get_setting(REQUIRE_REGISTRATION_APPROVAL))


def set_registration_approval_required(required: bool) -> None:
    set_setting(REQUIRE_REGISTRATION_APPROVAL, bool(required))
