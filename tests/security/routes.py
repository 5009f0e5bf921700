"""Building a URL for every rule of the url_map, so the suites cover routes added after they were written."""
from werkzeug.routing import IntegerConverter


def url_of(rule, known: dict) -> str:
    """The rule's URL with the known values; any other argument gets 1 (integer routes) or "x" (the rest).

    A known value that the rule's converter cannot take (an `award_id` that is a number in one route and a public
    string in another) is replaced the same way.
    """
    def value(name):
        is_int = isinstance(rule._converters[name], IntegerConverter)
        chosen = known.get(name)
        if chosen is None or (is_int and not isinstance(chosen, int)):
            return 1 if is_int else "x"
        return chosen

    return rule.build({name: value(name) for name in rule.arguments}, append_unknown=False)[1]


# Public by design, for verifiers and backpacks (docs/badges.md): they answer whoever asks, scoped by the
# unguessable public id in the URL, never by the caller's organisation; and the LTI endpoints platforms call.
PUBLIC_PREFIXES = ("/badges/ob2/", "/badges/credentials/", "/badges/issuers/", "/badges/achievements/",
                   "/badges/status/", "/badges/keys/", "/badges/images/", "/badges/path/",
                   "/badges/shared/",  # an earner's share link: public by design, an unguessable token
                   "/badges/evidence/")  # a reviewed submission's evidence, only where the earner agreed
PUBLIC_RULES = {"/badges/awards/<award_id>", "/badges/awards/<award_id>/<kind>", "/lti/login", "/lti/launch",
                "/lti/register", "/lti/jwks.json", "/static/<path:filename>",
                "/badges/backpack/callback"}  # a backpack host's redirect, in a tab of its own: matched by its state


def is_public_by_design(rule) -> bool:
    """The rule answers anyone, without a launch (written out here, not read from the app's own markers)."""
    return rule.rule in PUBLIC_RULES or rule.rule.startswith(PUBLIC_PREFIXES)
