"""Calling an LMS service (AGS, NRPS) with the tool's access token, and what its failures mean.

A 401 tries once more with a fresh token. Failures come back as one of two exceptions, so
a caller knows whether to retry: PlatformUnavailable (no answer, timeouts, 5xx, 429: try again later) and
PlatformRefused (any other 4xx: the same request will not succeed), each with the LMS's own answer and the
scopes the token was granted, for the log and the admin.
"""
import logging
from datetime import datetime

import requests

from app.lti import lms_http
from app.lti.service_auth import PlatformRefusedToken, access_token, granted_scopes
from app.tenancy.models import Registration

log = logging.getLogger(__name__)
ANSWER_EXCERPT = 500


class PlatformServiceError(Exception):
    """An LMS service call that did not succeed; `status` is None when no HTTP answer came."""

    def __init__(self, message: str, *, status: int | None = None, answer: str = "", scopes: str | None = None):
        details = [message]
        if status is not None:
            details.append(f"HTTP {status}")
        if answer:
            details.append(f"the LMS answered: {answer[:ANSWER_EXCERPT]}")
        if scopes is not None:
            details.append(f"scopes granted: {scopes or 'none'}")
        super().__init__("; ".join(details))
        self.status, self.answer, self.scopes = status, answer, scopes


class PlatformUnavailable(PlatformServiceError):
    """Worth trying again later: the LMS is down, slow, overloaded or failing."""


class PlatformRefused(PlatformServiceError):
    """The LMS understood and said no (4xx): the same request will not succeed later."""


def call_service(registration: Registration, scopes: list[str], method: str, url: str, *, now: datetime,
          headers: dict, **kwargs):
    """One authorised request; a 401 tries once more with a fresh token.

    The URL comes from a launch's claims or an LMS's answer (a roster's next page): the token goes only to the
    registration's own hosts, and lms_http checks the address as for every call."""
    if not registration.serves_on(url):
        hosts = ", ".join(sorted(registration.own_hosts | set(registration.service_hosts or [])))
        log.warning("%s %s not called: not on the hosts of registration %s (%s)", method, url, registration.id, hosts)
        raise PlatformRefused(
            f"{method} {url} was not called: its host is not one of this LMS's ({hosts}). If the LMS really serves "
            "its services there, an installation admin adds the host to the registration's service hosts."
        )
    refused = None
    for attempt in (1, 2):
        token = _token(registration, scopes, now=now, refused=refused)
        authorised = {**headers, "Authorization": f"Bearer {token}"}
        try:
            response = lms_http.request(method, url, headers=authorised, allow_redirects=False, **kwargs)
        except lms_http.AddressRefused as exc:
            raise PlatformRefused(f"{method} {url} was not called ({lms_http.describe(exc)})") from exc
        except requests.RequestException as exc:
            raise PlatformUnavailable(f"{method} {url} got no answer ({lms_http.describe(exc)})") from exc
        if response.status_code != 401 or attempt == 2:
            break
        log.info("%s %s: 401 from %s; fetching a new access token once", method, url, registration.issuer)
        refused = token
    if response.status_code < 300:
        return response
    scopes_granted = granted_scopes(registration, scopes)
    log.warning("%s %s refused: HTTP %s, scopes granted %s, answer %s",
                method, url, response.status_code, scopes_granted, response.text[:ANSWER_EXCERPT])
    kind = PlatformUnavailable if response.status_code >= 500 or response.status_code == 429 else PlatformRefused
    raise kind(f"{method} {url} was refused", status=response.status_code, answer=response.text, scopes=scopes_granted)


def json_body(response, expected: type, what: str):
    """A 2xx answer's JSON document of the expected kind; garbage is PlatformUnavailable (the LMS may heal)."""
    try:
        return lms_http.json_answer(response, expected, what)
    except ValueError as problem:
        log.warning("%s %s: %s", response.request.method, response.url, problem)
        raise PlatformUnavailable(f"{response.request.method} {response.url}: {problem}", status=response.status_code,
                                  answer=response.text) from None


def _token(registration: Registration, scopes: list[str], *, now: datetime, refused: str | None) -> str:
    try:
        return access_token(registration, scopes, now=now, refused=refused)
    except PlatformRefusedToken as no_token:
        # A token endpoint that is down is worth retrying; one that says no (bad key, unknown client) is not.
        kind = PlatformUnavailable if no_token.unavailable else PlatformRefused
        raise kind(f"no access token: {no_token.message} {no_token.hint}".strip(),
                   status=no_token.http_status) from no_token


