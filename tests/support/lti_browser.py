"""A scripted browser for LTI launches over real HTTP: follows the LMS's auto-submitting forms step by step."""
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import requests

LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}
_standard_return_ok_secure = DefaultCookiePolicy.return_ok_secure


def _return_ok_secure_like_chromium(policy, cookie, request):
    """Chromium sends Secure cookies over plain http to localhost and 127.0.0.1.

    Patched on the class because requests copies the session's cookies into a fresh jar, with the
    default policy, for every request.
    """
    host = urlsplit(request.get_full_url()).hostname
    return host in LOOPBACK_HOSTS or _standard_return_ok_secure(policy, cookie, request)


DefaultCookiePolicy.return_ok_secure = _return_ok_secure_like_chromium


@dataclass
class Form:
    action: str
    method: str
    fields: dict


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), (attrs.get("method") or "get").lower(), {}))
        elif tag in ("input", "textarea") and self.forms and attrs.get("name"):
            self.forms[-1].fields[attrs["name"]] = attrs.get("value", "")


def first_form(response: requests.Response) -> Form:
    parser = _FormParser()
    parser.feed(response.text)
    assert parser.forms, f"no form in {response.url} ({response.status_code}): {response.text[:500]}"
    form = parser.forms[0]
    form.action = urljoin(response.url, form.action)
    return form


def submit(session: requests.Session, form: Form, **kwargs) -> requests.Response:
    if form.method == "post":
        return session.post(form.action, data=form.fields, timeout=30, **kwargs)
    return session.get(form.action, params=form.fields, timeout=30, **kwargs)


class LtiBrowser:
    """One browser profile: its own cookie jar, talking to the development LMS and the tool."""

    def __init__(self, devlms_url: str):
        self.devlms_url = devlms_url
        self.session = requests.Session()

    def open_launch(self, link_id: str, user: str, **query) -> Form:
        """Run the launch up to the id_token form the LMS would post to the tool; return that form."""
        return self._follow_login(
            self.session.get(f"{self.devlms_url}/launch/{link_id}", params={"user": user, **query}, timeout=30)
        )

    def _follow_login(self, page: requests.Response) -> Form:
        assert page.status_code == 200, page.text[:500]
        authorization = submit(self.session, first_form(page))  # login initiation → redirect → LMS auth
        continue_link = re.search(r'<a id="lti-continue" href="([^"]+)"', authorization.text)
        if continue_link:  # the tool's platform-storage page; without scripts, its link goes on
            authorization = self.session.get(html.unescape(continue_link.group(1)), timeout=30)
        assert authorization.status_code == 200, authorization.text[:800]
        return first_form(authorization)

    def open_deep_linking(self, course_id: str, user: str, **query) -> Form:
        """An instructor's Deep Linking request, up to the id_token form the LMS would post to the tool."""
        return self._follow_login(
            self.session.get(f"{self.devlms_url}/deep-link/{course_id}", params={"user": user, **query}, timeout=30)
        )

    def post_id_token(self, form: Form, **kwargs) -> requests.Response:
        """POST the id_token form to the tool; the 303 to the landing page is followed."""
        return submit(self.session, form, **kwargs)

    def launch(self, link_id: str, user: str, **query) -> requests.Response:
        return self.post_id_token(self.open_launch(link_id, user, **query))
