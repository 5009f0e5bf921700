"""Revocation by the organisation: its admin, launched from the LMS, finds an award on /organisation/badges and
revokes it after a confirmation, with a reason that is public or for the earner only. The badge stops verifying in
the same request (OB 2.0 assertion and revocation list, OB 3.0 status list); the earner is told on their next page
until they open My badges, and by e-mail where SMTP_URL is set; a revoked badge is no longer downloaded or shared."""
import html
import re
from urllib.parse import urlparse

import jwt
import pytest
from sqlalchemy import select

from app.badges import revocation
from app.badges.awarding import awards_of
from app.badges.ob3 import bit_is_set, decode_bitstring
from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import Worker
from app.tenancy.models import Person
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, ORG_ADMIN_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite

AWARDS = "/organisation/badges"
REASON = "The assessment was not the learner's own work."


def earn(app, world, person, module_id: str, clock):
    launch = make_launch(world, person, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, module_id, now=clock.now())
    db.session.commit()
    return awards_of(world.organisation.id, person.id)[-1]


@pytest.fixture
def award(app, world, clock):
    """Lea (world's learner, with an e-mail address) earned the Completed: Erasmus+ in VET badge."""
    world.learner.email = "lea@college.example"
    return earn(app, world, world.learner, "erasmus-plus-for-vet", clock)


def revoke_url(award) -> str:
    return f"{AWARDS}/{award.public_id}/revoke"


def text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def revoke(client, award, reason=REASON, shown_to="public"):
    return post_form(client, revoke_url(award), {"reason": reason, "shown_to": shown_to}, page=revoke_url(award))


def status_bit(client, public_id: str) -> bool:
    """The award's bit in the status list its credential names (the list's URL is read, never assumed)."""
    status = client.get(f"/badges/credentials/{public_id}").get_json()["credentialStatus"]
    token = client.get(urlparse(status["statusListCredential"]).path).get_data(as_text=True)
    encoded = jwt.decode(token, options={"verify_signature": False})["credentialSubject"]["encodedList"]
    return bit_is_set(decode_bitstring(encoded), int(status["statusListIndex"]))


def notices(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('data-testid="notices"')[1].split("</nav>")[0] if 'data-testid="notices"' in page else ""


def test_the_organisation_admin_s_pages_lead_to_the_badge_awards(client, launch_as, award):
    launch_as("organisation admin")
    assert AWARDS in client.get("/").get_data(as_text=True)
    assert AWARDS in client.get("/organisation/sites").get_data(as_text=True)


def test_the_awards_are_listed_newest_first_searchable_by_person_or_badge_and_paged(
        app, client, launch_as, world, award, clock, monkeypatch):
    mia = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="mia",
                 name="Mia Moilanen")
    db.session.add(mia)
    db.session.flush()
    clock.advance(minutes=5)
    earn(app, world, mia, "supporting-learners-during-mobility", clock)
    launch_as("organisation admin")

    listed = text(client.get(AWARDS))
    assert listed.index("Mia Moilanen") < listed.index("Lea Learner")  # newest first
    assert "Mia Moilanen" in text(client.get(AWARDS + "?q=moilanen"))
    assert "Lea Learner" not in text(client.get(AWARDS + "?q=moilanen"))
    by_badge = text(client.get(AWARDS + "?q=erasmus%2B+in+vet"))
    assert "Lea Learner" in by_badge and "Mia Moilanen" not in by_badge
    assert "No award matches" in text(client.get(AWARDS + "?q=nobody-at-all"))

    monkeypatch.setattr(revocation, "PAGE_SIZE", 1)
    first, second = text(client.get(AWARDS)), text(client.get(AWARDS + "?page=2"))
    assert "Mia Moilanen" in first and "Lea Learner" not in first and "Older awards" in first
    assert "Lea Learner" in second and "Mia Moilanen" not in second and "Newer awards" in second


def test_the_organisation_admin_revokes_after_a_confirmation_and_the_badge_stops_verifying_at_once(
        client, launch_as, award):
    public_id = award.public_id
    launch_as("organisation admin")
    assert status_bit(client, public_id) is False

    confirmation = client.get(revoke_url(award))
    assert confirmation.status_code == 200
    said = text(confirmation)
    assert "stops verifying everywhere at once" in said and "cannot be undone" in said
    assert "The earner is told" in said and "cannot be awarded this badge again" in said
    db.session.refresh(award)
    assert not award.is_revoked  # the confirmation page changes nothing

    response = revoke(client, award, shown_to="public")
    assert response.status_code == 303 and response.headers["Location"].split("?")[0].endswith(AWARDS)

    assertion = client.get(f"/badges/ob2/assertions/{public_id}")
    assert assertion.status_code == 410
    assert assertion.get_json()["revoked"] is True and assertion.get_json()["revocationReason"] == REASON
    issuer = client.get(urlparse(client.get(f"/badges/ob2/issuers/{_issuer_id(client, public_id)}")
                                 .get_json()["revocationList"]).path).get_json()
    assert {"id": assertion.get_json()["id"], "revocationReason": REASON} in issuer["revokedAssertions"]
    assert status_bit(client, public_id) is True

    page = text(client.get(f"/badges/awards/{public_id}"))
    assert "Revoked on" in page and REASON in page
    listed = client.get(AWARDS).get_data(as_text=True)
    assert "status-revoked" in listed and revoke_url(award) not in listed
    db.session.refresh(award)
    assert award.revoked_by.startswith("organisation admin") and award.revocation_reason_public is True


def _issuer_id(client, public_id: str) -> str:
    badge_class = client.get(f"/badges/credentials/{public_id}").get_json()
    return urlparse(badge_class["issuer"]["id"]).path.rstrip("/").split("/")[-1]


def test_a_reason_for_the_earner_only_reaches_no_verifier(client, launch_as, award):
    public_id = award.public_id
    launch_as("organisation admin")
    revoke(client, award, shown_to="earner")

    assertion = client.get(f"/badges/ob2/assertions/{public_id}").get_json()
    assert assertion["revocationReason"] == "Revoked by the issuer"
    revocations = client.get(urlparse(
        client.get(f"/badges/ob2/issuers/{_issuer_id(client, public_id)}").get_json()["revocationList"]).path)
    assert REASON not in revocations.get_data(as_text=True)
    page = text(client.get(f"/badges/awards/{public_id}"))
    assert "Revoked on" in page and REASON not in page

    launch_as("learner")
    assert REASON in text(client.get("/badges/mine"))  # the earner always reads it


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_learners_and_instructors_may_not_revoke(app, client, launch_as, award, role):
    launch_as(role)
    assert client.get(AWARDS).status_code == 403
    assert client.get(revoke_url(award)).status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False  # the refusal is under test, not the CSRF check before it
    assert client.post(revoke_url(award), data={"reason": REASON, "shown_to": "public"}).status_code == 403
    db.session.refresh(award)
    assert not award.is_revoked


def test_another_organisations_admin_finds_no_award_to_revoke(app, client, award, clock):
    other = make_world("Other College")
    sign_in(client, make_launch(other, other.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    db.session.commit()
    assert award.public_id not in client.get(AWARDS).get_data(as_text=True)
    assert client.get(revoke_url(award)).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = False  # scoping is under test here; CSRF has its own tests
    assert client.post(revoke_url(award), data={"reason": "not yours", "shown_to": "public"}).status_code == 404
    db.session.refresh(award)
    assert not award.is_revoked


@pytest.mark.parametrize("reason, refusal", [("   ", "Give a reason"), ("x" * 1001, "The reason is too long")])
def test_a_missing_or_too_long_reason_is_refused_and_nothing_is_half_done(app, client, launch_as, award, reason,
                                                                          refusal):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:25"
    public_id = award.public_id
    launch_as("organisation admin")
    response = revoke(client, award, reason=reason)
    assert response.status_code == 400 and refusal in text(response)
    db.session.refresh(award)
    assert not award.is_revoked and award.revoked_by is None
    assert client.get(f"/badges/ob2/assertions/{public_id}").status_code == 200
    assert status_bit(client, public_id) is False
    assert db.session.scalars(select(Job).where(Job.kind == "mail.send")).all() == []


def test_a_revoked_award_is_not_revoked_again(app, client, launch_as, award):
    launch_as("organisation admin")
    revoke(client, award, reason="first")
    app.config["WTF_CSRF_ENABLED"] = False  # the confirmation page of a revoked award has no form to take it from
    response = client.post(revoke_url(award), data={"reason": "second", "shown_to": "public"})
    assert response.status_code == 400 and "already revoked" in text(response)
    db.session.refresh(award)
    assert award.revocation_reason == "first"


def test_the_earner_is_told_on_their_next_page_until_they_open_my_badges(client, launch_as, award):
    launch_as("organisation admin")
    revoke(client, award, shown_to="earner")

    launch_as("learner")
    told = notices(client)
    assert "Completed: Erasmus+ in VET" in told and "was revoked by your organisation" in told
    assert "/badges/mine" in told
    assert "was revoked" in notices(client)  # on every page until My badges

    mine = client.get("/badges/mine").get_data(as_text=True)
    revoked = html.unescape(mine.split('data-testid="revoked-badges"')[1].split("</section>")[0])
    assert "Completed: Erasmus+ in VET" in revoked and REASON in revoked and "revoked on" in revoked
    assert f"/badges/awards/{award.public_id}/" not in mine and f"/badges/credentials/{award.public_id}" not in mine
    assert "linkedin" not in mine.lower() and f"/mine/awards/{award.public_id}" not in mine  # no privacy button
    assert 'data-testid="download-all"' not in mine  # nothing left to keep
    assert notices(client) == ""
    db.session.refresh(award)
    assert award.revocation_seen_at is not None


def test_the_download_urls_of_a_revoked_award_answer_410(client, launch_as, award):
    public_id = award.public_id
    launch_as("organisation admin")
    revoke(client, award)

    for url in [f"/badges/awards/{public_id}/{kind}" for kind in ("ob2.png", "ob2.svg", "ob3.png", "ob3.svg")] + [
            f"/badges/credentials/{public_id}?download=1", f"/badges/credentials/{public_id}.jwt?download=1"]:
        response = client.get(url)
        assert response.status_code == 410, url
        assert "revoked" in response.get_data(as_text=True), url
    assert client.get(f"/badges/credentials/{public_id}").status_code == 200  # verifiers still read its status


def test_the_earner_is_emailed_in_their_language(app, client, launch_as, world, award, smtp):
    inbox, port = smtp
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    world.learner.locale = "fi"
    db.session.commit()
    launch_as("organisation admin")
    revoke(client, award, shown_to="earner")
    Worker(worker_id="test").run_until_idle()

    [(to, message)] = inbox.messages
    assert to == ["lea@college.example"]
    assert message["Subject"].startswith("Osaamismerkkisi") and "peruttu" in message["Subject"]
    assert REASON in message.get_content()
