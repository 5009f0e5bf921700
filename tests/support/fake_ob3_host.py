"""A fake Open Badges 3.0 host (a backpack), written from the spec's §6 "Open Badges API" and §7 "Open Badges API
Security" as devlms follows LTI: the Service Description Document, dynamic client registration (RFC 7591), an
authorization page with Allow and Deny, the token endpoint (client_secret_basic, PKCE S256, `scope`, refresh
grant) and upsertCredential (`POST /ims/ob/v3p0/credentials`, VC-JWT as text/plain; 201 new, 200 replaced; errors
as imsx_StatusInfo). It records what it received in `server.received` (one dict per request) and keeps the
credentials it stored in `server.credentials` (credential id → VC-JWT)."""
import base64
import hashlib
import html
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.http_servers import serve

UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
READONLY = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
REQUIRED_REGISTRATION = ("client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
                         "software_version", "redirect_uris", "token_endpoint_auth_method", "grant_types",
                         "response_types", "scope")


def _b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class FakeOb3Host(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    # --- plumbing ---
    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _record(self, **fields):
        self.server.received.append({"method": self.command, "path": urlsplit(self.path).path,
                                     "content_type": self.headers.get("Content-Type"), **fields})

    def _send(self, status: int, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        if self.server.received:
            self.server.received[-1].setdefault("status", status)  # the answer to the request just recorded
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _status_info(self, status: int, minor: str, description: str):
        self._send(status, {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
                            "imsx_codeMinor": {"imsx_codeMinorField": [
                                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}]}})

    # --- routes ---
    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/ims/ob/v3p0/discovery":
            self._record()
            return self._send(200, self._discovery())
        if parts.path == "/authorize":
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            self._record(query=query)
            return self._authorization_page(query)
        self._send(404, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        body = self._body()
        if path == "/register":
            return self._register(body)
        if path == "/authorize":
            return self._decide({key: values[0] for key, values in parse_qs(body.decode()).items()})
        if path == "/token":
            return self._token({key: values[0] for key, values in parse_qs(body.decode()).items()})
        if path == "/ims/ob/v3p0/credentials":
            return self._upsert(body)
        self._send(404, {"error": "not found"})

    def _discovery(self) -> dict:
        url = self.server.url
        return {
            "openapi": "3.0.1",
            "info": {"title": "Fake OB3 Backpack", "version": "1.0", "x-imssf-privacyPolicyUrl": url + "/privacy"},
            "servers": [{"url": url + "/ims/ob/v3p0"}],
            "paths": {"/credentials": {"post": {"operationId": "upsertCredential",
                                                "security": [{"OAuth2ACG": [UPSERT]}]}}},
            "components": {"securitySchemes": {"OAuth2ACG": {
                "type": "oauth2", "x-imssf-registrationUrl": url + "/register",
                "flows": {"authorizationCode": {
                    "authorizationUrl": url + "/authorize", "tokenUrl": url + "/token", "refreshUrl": url + "/token",
                    "scopes": {UPSERT: "Create or update your credentials", READONLY: "Read your credentials"}}}}}},
        }

    def _register(self, body: bytes):
        request = json.loads(body)
        self._record(fields=request)
        missing = [name for name in REQUIRED_REGISTRATION if name not in request]
        if missing or request["token_endpoint_auth_method"] != "client_secret_basic":
            return self._send(400, {"error": "invalid_client_metadata", "error_description": f"missing {missing}"})
        client_id, secret = secrets.token_hex(8), secrets.token_urlsafe(24)
        self.server.clients[client_id] = {"secret": secret, **request}
        self._send(201, {**request, "client_id": client_id, "client_secret": secret,
                         "client_id_issued_at": int(time.time())})

    def _authorization_page(self, query: dict):
        client = self.server.clients.get(query.get("client_id"))
        if client is None or query.get("redirect_uri") not in client["redirect_uris"] \
                or query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self._send(400, "<p>Bad authorization request</p>", "text/html")
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        self._send(200, f"""<!doctype html><html lang="en"><head><title>Fake backpack</title></head><body><main>
<h1>{html.escape(client['client_name'])} wants to add credentials to your backpack</h1>
<form method="post" action="/authorize">{hidden}
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button>
</form></main></body></html>""", "text/html; charset=utf-8")

    def _decide(self, form: dict):
        self._record(fields={"decision": form.get("decision"), "state": form.get("state")})
        if form.get("decision") != "allow":
            query = {"error": "access_denied", "state": form["state"]}
        else:
            code = secrets.token_urlsafe(16)
            self.server.codes[code] = form
            query = {"code": code, "state": form["state"]}
        self._send(302, b"", "text/plain", [("Location", form["redirect_uri"] + "?" + urlencode(query))])

    def _token(self, form: dict):
        self._record(fields={key: value for key, value in form.items() if key not in ("code", "code_verifier",
                                                                                       "refresh_token")},
                     has_code_verifier="code_verifier" in form, authorization=self.headers.get("Authorization", "")
                     .split(" ")[0])
        client_id, secret = _basic(self.headers.get("Authorization", ""))
        client = self.server.clients.get(client_id)
        if client is None or client["secret"] != secret:
            return self._send(401, {"error": "invalid_client"}, headers=[("WWW-Authenticate", "Basic")])
        if form.get("grant_type") == "authorization_code":
            asked = self.server.codes.pop(form.get("code"), None)
            if asked is None or asked["client_id"] != client_id or asked["redirect_uri"] != form.get("redirect_uri"):
                return self._send(400, {"error": "invalid_grant"})
            challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
            if challenge.rstrip(b"=").decode() != asked["code_challenge"]:
                return self._send(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            if not form.get("scope"):
                return self._send(400, {"error": "invalid_scope", "error_description": "scope is required"})
            scope = form["scope"]
        elif form.get("grant_type") == "refresh_token":
            scope = self.server.refresh_tokens.pop(form.get("refresh_token"), None)
            if scope is None:
                return self._send(400, {"error": "invalid_grant"})
        else:
            return self._send(400, {"error": "unsupported_grant_type"})
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.server.access_tokens[access] = (scope, time.time() + self.server.access_lifetime)
        self.server.refresh_tokens[refresh] = scope
        self._send(200, {"access_token": access, "token_type": "Bearer", "expires_in": self.server.access_lifetime,
                         "refresh_token": refresh, "scope": scope}, headers=[("Cache-Control", "no-store")])

    def _upsert(self, body: bytes):
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        granted = self.server.access_tokens.get(token)
        payload = None
        try:
            payload = _b64url_json(body.decode().split(".")[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            pass
        self._record(bearer=bool(token), body_is_jwt=payload is not None,
                     credential_id=(payload or {}).get("id"), sub=(payload or {}).get("sub"))
        if self.server.fail_next:
            status, description = self.server.fail_next
            self.server.fail_next = None
            return self._status_info(status, "invaliddata", description)
        if granted is None or granted[1] < time.time():
            return self._status_info(401, "unauthorisedrequest", "The access token is not valid or has expired.")
        if UPSERT not in granted[0].split():
            return self._status_info(403, "forbidden", "The credential.upsert scope was not granted.")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "text/plain":
            return self._status_info(415, "invaliddata", "A VC-JWT is sent as text/plain.")
        subject = ((payload or {}).get("credentialSubject") or {}).get("id")
        if payload is None or not subject or subject != payload.get("sub") or not payload.get("id"):
            return self._status_info(400, "invaliddata", "credentialSubject.id must be present and equal sub.")
        status = 200 if payload["id"] in self.server.credentials else 201
        self.server.credentials[payload["id"]] = body.decode()
        self._send(status, body, "text/plain")


def _basic(header: str) -> tuple[str | None, str | None]:
    if not header.startswith("Basic "):
        return None, None
    client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    return client_id, secret


def serve_fake_ob3_host(host: str = "127.0.0.1", *, access_lifetime: int = 300):
    """Start the fake host; `server.url` is its base URL. Stop it with tests.support.http_servers.stop."""
    server = serve(FakeOb3Host, host)
    server.clients, server.codes, server.access_tokens, server.refresh_tokens = {}, {}, {}, {}
    server.credentials, server.fail_next, server.access_lifetime = {}, None, access_lifetime
    return server


def expire_access_tokens(server) -> None:
    """Every access token issued so far stops working at the host (as if its lifetime ended early)."""
    for token, (scope, _) in list(server.access_tokens.items()):
        server.access_tokens[token] = (scope, 0)
