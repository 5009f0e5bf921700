"""Send to my backpack: an earner's credentials pushed to their Open Badges 3.0 host through the OB 3.0 API
(spec §6 "Open Badges API", §7 "Open Badges API Security").

- Discovery: the host's Service Description Document at `<host>/ims/ob/v3p0/discovery` (OpenAPI) names, in its
  OAuth 2.0 `authorizationCode` security scheme, `x-imssf-registrationUrl`, `authorizationUrl`, `tokenUrl`,
  `refreshUrl` and the scopes.
- Dynamic client registration (RFC 7591 as §7 profiles it), once per host: the client is the installation's.
- Authorization code grant with PKCE S256; `state` and the verifier are kept server-side (BackpackAuthorization),
  as the tool runs in an LMS iframe where cookies may be blocked, and the host's redirect opens in a tab of its own.
- `POST <host>/ims/ob/v3p0/credentials` (upsertCredential) with the VC-JWT as text/plain: 201 new, 200 replaced.

Every call goes through app.lti.lms_http (vetted addresses, no redirects, deadlines, size caps) with the
BACKPACK_PRIVATE_HOSTS allow-list. A failure keeps the connection and the award as they were.
"""
import base64
import hashlib
import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app.badges.backpack_models import BackpackAuthorization, BackpackConnection, BackpackHost
from app.badges.earners import own_award
from app.badges.keys import external_url
from app.clock import as_utc
from app.crypto import key_encryption
from app.errors import AppError, NotFound
from app.extensions import db
from app.lti import lms_http
from app.tenancy.services import scoped

DISCOVERY_PATH = "/ims/ob/v3p0/discovery"
CREDENTIALS_PATH = "/ims/ob/v3p0/credentials"
UPSERT_SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
ALLOW_LIST = "BACKPACK_PRIVATE_HOSTS"
AUTHORIZATION_LIFETIME = timedelta(minutes=15)
DESCRIPTION_LIMIT = 200


class BackpackError(AppError):
    """A backpack host that could not be reached, refused, or answered in a way the tool cannot use."""

    status = 502


# Who may be called ----------------------------------------------------------------------------------------------

def normal_base_url(text: str) -> str:
    """The host's base URL as the earner typed it, checked: https, or http only for a BACKPACK_PRIVATE_HOSTS host."""
    text = (text or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise BackpackError(_("Give the address of your backpack, beginning with https://."), status=400)
    if parts.scheme == "http" and not _is_listed(parts.hostname):
        raise BackpackError(_("Your backpack's address must begin with https://."), status=400)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}"


def _is_listed(hostname: str) -> bool:
    import ipaddress

    allowed = lms_http.private_hosts(current_app.config[ALLOW_LIST])
    if allowed.allows_name(hostname):
        return True
    try:
        return allowed.allows_address(ipaddress.ip_address(hostname.strip("[]")))
    except ValueError:
        return False


def _call(method: str, url: str, **kwargs) -> requests.Response:
    try:
        return lms_http.request(method, url, allow_list=ALLOW_LIST, **kwargs)
    except lms_http.AddressRefused:
        raise BackpackError(_("The tool does not call %(host)s: it is not a public address.",
                              host=urlsplit(url).hostname)) from None
    except requests.RequestException as error:
        raise BackpackError(_("%(host)s could not be reached. Try again later.", host=urlsplit(url).netloc),
                            detail=lms_http.describe(error)) from None


def host_said(response: requests.Response) -> str:
    """An error answer in words: its status and the imsx_StatusInfo's description (plain text, cut), never the body."""
    description = ""
    try:
        document = json.loads(response.content)
        if isinstance(document, dict):
            info = document.get("imsx_StatusInfo", document)
            if isinstance(info, dict) and isinstance(info.get("imsx_description"), str):
                description = " ".join(info["imsx_description"].split())[:DESCRIPTION_LIMIT]
    except (ValueError, UnicodeDecodeError):
        pass
    host = urlsplit(response.url or "").netloc
    if description:
        return _("%(host)s answered %(status)s: %(description)s", host=host, status=response.status_code,
                 description=description)
    return _("%(host)s answered %(status)s.", host=host, status=response.status_code)


def _json(response: requests.Response, what: str) -> dict:
    if response.status_code >= 300:
        raise BackpackError(host_said(response))
    try:
        return lms_http.json_answer(response, dict, what)
    except ValueError as error:
        raise BackpackError(_("Your backpack sent an answer the tool cannot read."), detail=str(error)) from None


# Discovery and registration ----------------------------------------------------------------------------------------

def discover(base_url: str) -> dict:
    """The host's OAuth 2.0 endpoints and scopes from its Service Description Document (§6, §7.2)."""
    document = _json(_call("GET", base_url + DISCOVERY_PATH, headers={"Accept": "application/json"}),
                     "the Service Description Document")
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values() if isinstance(schemes, dict) else ():
        flow = ((scheme or {}).get("flows") or {}).get("authorizationCode") if isinstance(scheme, dict) else None
        if not isinstance(flow, dict):
            continue
        found = {
            "registration_url": scheme.get("x-imssf-registrationUrl") or flow.get("x-imssf-registrationUrl"),
            "authorization_url": flow.get("authorizationUrl"), "token_url": flow.get("tokenUrl"),
            "refresh_url": flow.get("refreshUrl"), "scopes": sorted(flow.get("scopes") or {}),
            "name": str((document.get("info") or {}).get("title") or "")[:200] or None,
        }
        if all(isinstance(found[key], str) for key in ("registration_url", "authorization_url", "token_url")):
            if UPSERT_SCOPE not in found["scopes"]:
                raise BackpackError(_("This backpack does not accept credentials from other services."))
            return found
    raise BackpackError(_("This address is not an Open Badges 3.0 backpack (its service description names no "
                          "authorization)."))


def _registration_request() -> dict:
    """What §7 asks of a client registering (RFC 7591)."""
    config = current_app.config
    return {
        "client_name": config["BADGE_ISSUER_NAME"] or "REX VET Path",
        "client_uri": config["BASE_URL"],
        "logo_uri": config["BASE_URL"],  # the tool has no logo of its own yet
        "tos_uri": config["BASE_URL"],
        "policy_uri": config["BASE_URL"],
        "software_id": "rex-vet-path",
        "software_version": "1",
        "redirect_uris": [callback_url()],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": UPSERT_SCOPE,
    }


def callback_url() -> str:
    return external_url("backpack.callback")


def registered_host(base_url: str, *, now: datetime) -> BackpackHost:
    """The host, discovered and registered with on first use; its client is kept for every later earner."""
    host = db.session.scalars(select(BackpackHost).where(BackpackHost.base_url == base_url)).first()
    if host is not None and host.client_id:
        return host
    endpoints = discover(base_url)
    answer = _json(_call("POST", endpoints["registration_url"], json=_registration_request(),
                         headers={"Accept": "application/json"}), "the registration answer")
    if not isinstance(answer.get("client_id"), str) or not isinstance(answer.get("client_secret"), str):
        raise BackpackError(_("Your backpack did not register the tool."),
                            detail=f"registration answer: {sorted(answer)}")
    if host is None:
        host = BackpackHost(base_url=base_url)
        db.session.add(host)
    for key, value in endpoints.items():
        setattr(host, key, value)
    host.client_id = answer["client_id"]
    host.client_secret_encrypted = key_encryption().encrypt(answer["client_secret"].encode())
    host.registered_at = now
    db.session.flush()
    return host


# Authorization -----------------------------------------------------------------------------------------------------

def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_authorization(organisation_id: int, person_id: int, typed_url: str, *, now: datetime) -> str:
    """The host's authorization URL for this earner (PKCE S256); the state and verifier wait server-side."""
    host = registered_host(normal_base_url(typed_url), now=now)
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    db.session.execute(delete(BackpackAuthorization).where(BackpackAuthorization.expires_at < now))
    db.session.add(BackpackAuthorization(
        state_hash=_hash(state), organisation_id=organisation_id, person_id=person_id, host_id=host.id,
        code_verifier_encrypted=key_encryption().encrypt(verifier.encode()), expires_at=now + AUTHORIZATION_LIFETIME))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": host.client_id, "redirect_uri": callback_url(),
             "scope": UPSERT_SCOPE, "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    separator = "&" if urlsplit(host.authorization_url).query else "?"
    return host.authorization_url + separator + urlencode(query)


def finish_authorization(state: str, *, code: str | None, error: str | None, now: datetime) -> BackpackConnection:
    """The host's redirect back: the pending authorization found by its state, the code exchanged for tokens."""
    pending = db.session.scalars(select(BackpackAuthorization).where(
        BackpackAuthorization.state_hash == _hash(state or ""))).first()
    if pending is None or as_utc(pending.expires_at) < now:
        raise BackpackError(_("This connection request is unknown or has expired. Start again from My badges."),
                            status=400)
    db.session.delete(pending)  # used once, whatever the answer
    if error or not code:
        raise BackpackError(_("The backpack was not connected: access was not allowed."), status=400)
    host = pending.host
    verifier = key_encryption().decrypt(pending.code_verifier_encrypted).decode()
    tokens = _token_request(host, host.token_url, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": callback_url(),
        "scope": UPSERT_SCOPE, "code_verifier": verifier})
    connection = db.session.scalars(scoped(BackpackConnection, pending.organisation_id).where(
        BackpackConnection.person_id == pending.person_id, BackpackConnection.host_id == host.id)).first()
    if connection is None:
        connection = BackpackConnection(organisation_id=pending.organisation_id, person_id=pending.person_id,
                                        host_id=host.id)
        db.session.add(connection)
    connection.connected_at = now
    _keep_tokens(connection, tokens, now=now)
    db.session.flush()
    return connection


def _token_request(host: BackpackHost, url: str, form: dict) -> dict:
    secret = key_encryption().decrypt(host.client_secret_encrypted).decode()
    answer = _json(_call("POST", url, data=form, auth=(host.client_id, secret),
                         headers={"Accept": "application/json"}), "the token answer")
    if not isinstance(answer.get("access_token"), str):
        raise BackpackError(_("Your backpack sent an answer the tool cannot read."), detail="no access_token")
    return answer


def _keep_tokens(connection: BackpackConnection, tokens: dict, *, now: datetime) -> None:
    encrypt = key_encryption().encrypt
    connection.access_token_encrypted = encrypt(tokens["access_token"].encode())
    if isinstance(tokens.get("refresh_token"), str):
        connection.refresh_token_encrypted = encrypt(tokens["refresh_token"].encode())
    lifetime = tokens.get("expires_in")
    connection.expires_at = now + timedelta(seconds=int(lifetime)) if isinstance(lifetime, int) else None
    connection.scope = str(tokens.get("scope") or connection.scope or UPSERT_SCOPE)


def _refresh(connection: BackpackConnection, *, now: datetime) -> None:
    if connection.refresh_token_encrypted is None:
        raise BackpackError(_("Your backpack's permission has ended: connect it again."))
    host = connection.host
    refresh_token = key_encryption().decrypt(connection.refresh_token_encrypted).decode()
    tokens = _token_request(host, host.refresh_url or host.token_url, {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "scope": connection.scope})
    _keep_tokens(connection, tokens, now=now)


# Sending -----------------------------------------------------------------------------------------------------------

def connections_of(organisation_id: int, person_id: int) -> list[BackpackConnection]:
    return list(db.session.scalars(scoped(BackpackConnection, organisation_id).where(
        BackpackConnection.person_id == person_id).order_by(BackpackConnection.connected_at)))


def own_connection(organisation_id: int, person_id: int, connection_id: int) -> BackpackConnection:
    connection = db.session.scalars(scoped(BackpackConnection, organisation_id).where(
        BackpackConnection.person_id == person_id, BackpackConnection.id == connection_id)).first()
    if connection is None:
        raise NotFound(_("You have no such backpack connection."))
    return connection


def send_award(organisation_id: int, person_id: int, connection_id: int, award_public_id: str, *,
               now: datetime) -> bool:
    """Upsert the award's VC-JWT into the earner's backpack; True if it was new there (201), False if replaced (200).

    An expired access token is refreshed first, and a 401 refreshes it once more; new tokens are kept even when
    the send then fails."""
    from app.badges.credentials import signed_credential

    connection = own_connection(organisation_id, person_id, connection_id)
    award = own_award(organisation_id, person_id, award_public_id)
    if award.is_revoked:
        raise BackpackError(_("A revoked badge cannot be sent."), status=400)
    token = signed_credential(award)[1]
    if connection.expires_at is not None and as_utc(connection.expires_at) <= now:
        _refresh(connection, now=now)
    response = _upsert(connection, token)
    if response.status_code == 401:
        _refresh(connection, now=now)
        response = _upsert(connection, token)
    if response.status_code not in (200, 201):
        raise BackpackError(host_said(response))
    connection.last_sent_at = now
    return response.status_code == 201


def _upsert(connection: BackpackConnection, token: str) -> requests.Response:
    access_token = key_encryption().decrypt(connection.access_token_encrypted).decode()
    return _call("POST", connection.host.base_url + CREDENTIALS_PATH, data=token.encode(), headers={
        "Authorization": f"Bearer {access_token}", "Content-Type": "text/plain", "Accept": "application/json"})


def disconnect(organisation_id: int, person_id: int, connection_id: int) -> BackpackHost:
    """Forget the connection and its tokens (the credentials already in the backpack stay there)."""
    connection = own_connection(organisation_id, person_id, connection_id)
    host = connection.host
    db.session.delete(connection)
    return host


def erase_backpack_connections(sender=None, *, organisation_id: int, person, **_) -> None:
    """person_erased: their connections (tokens) and pending authorizations go."""
    for model in (BackpackConnection, BackpackAuthorization):
        db.session.execute(delete(model).where(model.organisation_id == organisation_id,
                                               model.person_id == person.id))


def move_backpack_connections(sender=None, *, organisation_id: int, kept, merged, **_) -> None:
    """people_merged: the merged record's connections go to the kept one (one person, seen through two LMSs),
    except to a host the kept one is connected to already."""
    _hand_over(organisation_id, merged.id, organisation_id, kept.id)


def move_backpack_connections_to_organisation(sender=None, *, source_organisation_id: int,
                                              target_organisation_id: int, person, into_id: int,
                                              deployment_id: int | None, **_) -> None:
    """person_moved: a person who moves wholly takes their connections along (as their awards go); a site move
    alone (deployment_id set) leaves them."""
    if deployment_id is None:
        _hand_over(source_organisation_id, person.id, target_organisation_id, into_id)


def _hand_over(from_organisation: int, from_person: int, to_organisation: int, to_person: int) -> None:
    """Connections pass to the other record, but never two to one host (the connection is unique per host);
    pending authorizations (minutes long) are dropped."""
    def of(model, organisation_id, person_id):
        return (model.organisation_id == organisation_id, model.person_id == person_id)

    held = select(BackpackConnection.host_id).where(*of(BackpackConnection, to_organisation, to_person))
    db.session.execute(delete(BackpackConnection).where(*of(BackpackConnection, from_organisation, from_person),
                                                        BackpackConnection.host_id.in_(held.scalar_subquery())))
    db.session.execute(update(BackpackConnection).where(*of(BackpackConnection, from_organisation, from_person))
                       .values(organisation_id=to_organisation, person_id=to_person))
    db.session.execute(delete(BackpackAuthorization).where(*of(BackpackAuthorization, from_organisation, from_person)))

