"""Every call the tool makes to an LMS (configuration, registration, token, JWKS, AGS, NRPS): to a vetted
address only, bounded in time and size, so neither a hostile URL nor a hostile LMS can turn the tool against
its own network, hold its threads or fill its memory.

Where a call may go (the defence against server-side request forgery, docs/security.md):
- the URL's host is resolved once, and every address it resolves to must be global (not loopback, private,
  link-local, shared, multicast or reserved), unless the host or the address is listed in LMS_PRIVATE_HOSTS
  (a campus Moodle on 10.1.2.3; the development LMS). Nothing else non-global is ever called, whatever other
  settings say;
- the connection goes to the address that was checked (the pool is keyed by it; TLS still verifies the name),
  so a second DNS answer cannot swap in another address between the check and the call;
- redirects are never followed: a 3xx is an answer like any other, and callers refuse it;
- proxies from the environment are ignored, so the check is about the address actually connected to.

How long and how much: HTTP_TIMEOUT bounds connecting and each read; a deadline (LMS_ANSWER_DEADLINE_SECONDS
or the caller's) bounds the whole call, headers included: a watchdog shuts the socket of a call that outlives
it (a server dripping its headers a byte a second defeats any per-read timeout); LMS_ANSWER_MAX_BYTES bounds
the (decompressed) body. Failures are requests exceptions, so callers treat them as an LMS that did not answer.

Each thread keeps one requests.Session, so a connection to an LMS is kept alive from one call to the next (a
worker sending a class's scores opens one connection, and one TLS handshake, instead of one per score).
"""
import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

READ_SIZE = 64 * 1024
LMS_ALLOW_LIST = "LMS_PRIVATE_HOSTS"
_per_thread = threading.local()


class AnswerTooLarge(requests.RequestException):
    """The LMS's answer is larger than LMS_ANSWER_MAX_BYTES."""


class AnswerTooSlow(requests.Timeout):
    """The LMS's answer did not arrive in full within the call's deadline."""


class AddressRefused(requests.RequestException):
    """The URL's host is, or resolves to, an address the tool never calls; no request was sent."""


# Where a call may go ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrivateHosts:
    """LMS_PRIVATE_HOSTS read: host names, and addresses or networks, that may be called although not global."""

    names: frozenset[str]
    networks: tuple

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.names

    def allows_address(self, address) -> bool:
        return any(address in network for network in self.networks)


@lru_cache(maxsize=8)
def private_hosts(setting: str) -> PrivateHosts:
    """Parse 'moodle.campus.local, 10.1.2.3, 10.20.0.0/16, ::1' (a name, an address or a CIDR network each)."""
    names, networks = set(), []
    for item in (part.strip() for part in (setting or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            names.add(_normal_name(item))
    return PrivateHosts(frozenset(names), tuple(networks))


def _normal_name(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def vetted_address(host: str, port: int, setting: str | None = None) -> str:
    """The address to connect to for host: resolved once, and refused unless every address it has may be called
    (the non-global ones only if `setting`, the running call's allow-list, LMS_PRIVATE_HOSTS by default, names them)."""
    setting = setting or getattr(_per_thread, "allow_list", None) or LMS_ALLOW_LIST
    allowed = private_hosts(current_app.config[setting])
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise requests.ConnectionError(f"{host} could not be resolved ({error})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise requests.ConnectionError(f"{host} could not be resolved")
    if not allowed.allows_name(host):
        for address in addresses:
            if not may_call(ipaddress.ip_address(address.split("%")[0]), allowed):
                raise AddressRefused(
                    f"{host} is {address}, which is not a public address; the tool calls a host on a private "
                    f"network only if {setting} lists it"
                )
    return addresses[0]


def may_call(address, allowed: PrivateHosts) -> bool:
    if getattr(address, "ipv4_mapped", None):  # ::ffff:127.0.0.1 is 127.0.0.1
        address = address.ipv4_mapped
    if allowed.allows_address(address):
        return True
    return address.is_global and not address.is_multicast


class _VettedAddressAdapter(HTTPAdapter):
    """Connects to the address vetted_address checked, never to a second DNS answer; sends the real Host (and SNI)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise requests.exceptions.InvalidURL(f"{request.url} is not an http(s) URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = vetted_address(parts.hostname, port)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if parts.scheme == "https":
            # TLS checks the certificate against the name, although the socket goes to the address.
            pool_kwargs = {**pool_kwargs, "server_hostname": parts.hostname, "assert_hostname": parts.hostname}
        return self.poolmanager.connection_from_host(
            scheme=parts.scheme, host=address, port=port, pool_kwargs=pool_kwargs
        )

    def send(self, request, *args, **kwargs):
        # The pool's host is the address; the LMS must still see its own name.
        request.headers.setdefault("Host", urlsplit(request.url).netloc.rpartition("@")[2])
        return super().send(request, *args, **kwargs)


# The whole call's deadline ---------------------------------------------------------------------------------

class _Watchdog:
    """Shuts the socket of a call still running at its deadline, so a blocked read returns at once."""

    def __init__(self, seconds: float):
        self.fired = False
        self._socket = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock) -> None:
        with self._lock:
            self._socket = sock
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                _shut(self._socket)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock) -> None:
    try:
        # socket.socket's own shutdown, also for a TLS socket: ends a read blocked in another thread.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError):
        pass


def _watch(sock) -> None:
    watchdog = getattr(_per_thread, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


class _WatchedConnection:
    """A connection whose socket the running call's watchdog may shut: new (connect, TLS) and reused alike."""

    def _new_conn(self):
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def getresponse(self, *args, **kwargs):
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


# The call --------------------------------------------------------------------------------------------------

def request(method: str, url: str, *, timeout=None, deadline: float | None = None, allow_list: str = LMS_ALLOW_LIST,
            **kwargs) -> requests.Response:
    """One call to an LMS with the tool's limits: a vetted address, no redirects, the body read in full within
    the deadline (LMS_ANSWER_DEADLINE_SECONDS, or the caller's if shorter) and LMS_ANSWER_MAX_BYTES.

    `allow_list` names the setting that lists the non-global hosts this call may reach: an earner's backpack
    (BACKPACK_PRIVATE_HOSTS) is not an LMS, and an LMS's private address must not open to it."""
    config = current_app.config
    limit = config["LMS_ANSWER_MAX_BYTES"]
    # A caller's deadline may only shorten the general one: LMS_ANSWER_DEADLINE_SECONDS bounds every call.
    allowed = min(float(deadline or "inf"), float(config["LMS_ANSWER_DEADLINE_SECONDS"]))
    connect, read = _timeouts(timeout or config["HTTP_TIMEOUT"])
    kwargs["allow_redirects"] = False
    session = _session()
    session.cookies.clear()  # an LMS's cookies last one call, as before: never sent to another registration
    started = time.monotonic()
    watchdog = _per_thread.watchdog = _Watchdog(allowed)
    _per_thread.allow_list = allow_list
    try:
        try:
            response = session.request(
                method, url, timeout=(min(connect, allowed), min(read, allowed)), stream=True, **kwargs
            )
        except requests.RequestException as error:
            if _past(watchdog, started, allowed):
                raise AnswerTooSlow(f"{url} had not answered after {allowed:g} s") from error
            raise
        try:
            response._content = _body(response, url, limit, started, allowed, watchdog)
            response._content_consumed = True  # read to its end: close() returns the connection to the pool
        finally:
            response.close()
    finally:
        watchdog.cancel()
        _per_thread.watchdog = _per_thread.allow_list = None
    return response


def _body(response, url: str, limit: int, started: float, allowed: float, watchdog: _Watchdog) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(f"{url} announced {declared} bytes; at most {limit} are read")
    body = bytearray()
    try:
        while True:
            # read1: whatever one socket read brings, so the size and the deadline are checked between reads.
            chunk = response.raw.read1(READ_SIZE, decode_content=True)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise AnswerTooLarge(f"{url} sent more than {limit} bytes")
            if time.monotonic() - started > allowed:
                raise AnswerTooSlow(f"{url} had not sent its whole answer after {allowed:g} s")
    except requests.RequestException:
        raise
    except Exception as exc:  # urllib3's own errors mid-body (protocol, decoding, read timeout, a shut socket)
        if _past(watchdog, started, allowed):
            raise AnswerTooSlow(f"{url} had not sent its whole answer after {allowed:g} s") from exc
        raise requests.ConnectionError(f"{url}: the answer broke off ({type(exc).__name__}: {exc})") from exc
    if watchdog.fired:  # the shut socket looked like the end of the answer: it is not one
        raise AnswerTooSlow(f"{url} had not sent its whole answer after {allowed:g} s")
    return bytes(body)


def _past(watchdog: _Watchdog, started: float, allowed: float) -> bool:
    """Whether a failure is the deadline's: the watchdog shut the socket, or a read timed out as time ran out
    (the per-read timeout is never longer than the deadline, so either may come first)."""
    return watchdog.fired or time.monotonic() - started >= allowed


def _timeouts(timeout) -> tuple[float, float]:
    return (float(timeout[0]), float(timeout[1])) if isinstance(timeout, tuple) else (float(timeout),) * 2


def _session() -> requests.Session:
    """This thread's session (a Session is not safe to share between threads)."""
    session = getattr(_per_thread, "session", None)
    if session is None:
        session = _per_thread.session = requests.Session()
        session.trust_env = False  # no proxy from the environment: the vetted address is the one connected to
        adapter = _VettedAddressAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def describe(error: requests.RequestException) -> str:
    """What went wrong in words an admin can act on: the kind, and our own message when it says more."""
    name = type(error).__name__
    return f"{name}: {error}" if isinstance(error, (AnswerTooLarge, AnswerTooSlow, AddressRefused)) else name


def json_answer(response: requests.Response, expected: type, what: str):
    """The answer's JSON if it is of the expected kind (dict or list); else ValueError saying what came instead."""
    try:
        document = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        content_type = response.headers.get("Content-Type") or "no content type"
        raise ValueError(f"{what} is not JSON ({content_type}, {len(response.content)} bytes)") from None
    if not isinstance(document, expected):
        kind = {dict: "a JSON object", list: "a JSON list"}[expected]
        raise ValueError(f"{what} must be {kind}, not {type(document).__name__}")
    return document
