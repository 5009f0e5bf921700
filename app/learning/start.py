"""What a launch asks to open: the module its course link names, if any."""
from app.lti.constants import CUSTOM
from app.lti.models import Launch
from app.lti.tool_values import MODULE_PARAMETER


def requested_module_id(launch: Launch) -> str | None:
    """The link's `module` custom parameter; empty or an unsubstituted variable (`$…`, as itslearning sends) is none."""
    value = ((launch.claims or {}).get(CUSTOM) or {}).get(MODULE_PARAMETER)
    if not isinstance(value, str) or not value.strip() or value.strip().startswith("$"):
        return None
    return value.strip()
