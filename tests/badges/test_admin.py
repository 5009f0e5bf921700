"""The installation admin's award pages: an organisation's awards with filters, one award, revoke with a reason
(the OB 2.0 assertion then answers revoked and the OB 3.0 status bit is set), re-issue."""
from urllib.parse import urlparse

import jwt
import pytest

from app.admin import accounts
from app.badges.awarding import awards_of, revoke_award
from app.badges.ob3 import bit_is_set, decode_bitstring
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, make_launch, make_world
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def admin_client(app, client):
    accounts.create_admin_user("ops", "correct horse battery staple")
    db.session.commit()
    response = post_form(client, "/admin/login", {"username": "ops", "password": "correct horse battery staple"},
                         page="/admin/login")
    assert response.status_code == 302
    return client


def earn(app, world, person, module_id: str, clock):
    launch = make_launch(world, person, [LEARNER_ROLE], now=clock.now())
    complete_module(app, launch, module_id, now=clock.now())
    db.session.commit()
    [award] = awards_of(world.organisation.id, person.id)
    return award


@pytest.fixture
def awarded(app, world, clock):
    """Lea earned the Erasmus+ Starter badge; a second learner, Mia, earned a badge too."""
    from app.tenancy.models import Person

    lea = earn(app, world, world.learner, "erasmus-plus-for-vet", clock)
    mia = Person(organisation_id=world.organisation.id, issuer=world.registration.issuer, subject="mia",
                 name="Mia Moilanen", email="mia@college.example.org")
    db.session.add(mia)
    db.session.flush()
    earn(app, world, mia, "supporting-learners-during-mobility", clock)
    return lea


def awards_url(world, **query):
    from urllib.parse import urlencode

    return f"/admin/organisations/{world.organisation.id}/badges/" + (f"?{urlencode(query)}" if query else "")


def listed(page: str) -> str:
    return (
        page.split('data-testid="badge-awards"')[1].split("</table>")[0] if 'data-testid="badge-awards"' in page else ""
    )


def test_the_organisation_page_leads_to_its_badge_awards(admin_client, world):
    page = admin_client.get(f"/admin/organisations/{world.organisation.id}").get_data(as_text=True)
    assert awards_url(world) in page


def test_the_award_list_shows_every_award_of_the_organisation_and_filters_by_earner_badge_and_status(
        app, admin_client, world, awarded, clock):
    everything = listed(admin_client.get(awards_url(world)).get_data(as_text=True))
    assert "Lea Learner" in everything and "Mia Moilanen" in everything

    by_name = listed(admin_client.get(awards_url(world, q="moilanen")).get_data(as_text=True))
    assert "Mia Moilanen" in by_name and "Lea Learner" not in by_name
    by_email = listed(admin_client.get(awards_url(world, q="MIA@college")).get_data(as_text=True))
    assert "Mia Moilanen" in by_email and "Lea Learner" not in by_email
    by_badge = listed(admin_client.get(awards_url(world, badge=awarded.badge_id)).get_data(as_text=True))
    assert "Lea Learner" in by_badge and "Mia Moilanen" not in by_badge

    revoke_award(awarded, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    db.session.commit()
    revoked = listed(admin_client.get(awards_url(world, status="revoked")).get_data(as_text=True))
    valid = listed(admin_client.get(awards_url(world, status="valid")).get_data(as_text=True))
    assert "Lea Learner" in revoked and "Mia Moilanen" not in revoked
    assert "Mia Moilanen" in valid and "Lea Learner" not in valid


def test_a_search_for_percent_signs_matches_them_literally(admin_client, world, awarded):
    assert listed(admin_client.get(awards_url(world, q="%")).get_data(as_text=True)) == ""


def test_an_unknown_status_filter_is_refused_saying_which_ones_exist(admin_client, world, awarded):
    response = admin_client.get(awards_url(world, status="lost"))
    assert response.status_code == 400
    assert "valid, revoked or expired" in response.get_data(as_text=True)


def test_another_organisations_awards_are_neither_listed_nor_reachable(app, admin_client, world, awarded, clock):
    other = make_world("Other College")
    earn(app, other, other.learner, "erasmus-plus-for-vet", clock)
    [foreign] = awards_of(other.organisation.id, other.learner.id)
    assert f'data-award="{foreign.id}"' not in admin_client.get(awards_url(world)).get_data(as_text=True)
    assert admin_client.get(f"{awards_url(world)}{foreign.id}").status_code == 404
    response = post_form(admin_client, f"{awards_url(world)}{foreign.id}/revoke", {"reason": "not yours"},
                         page=f"{awards_url(world)}{awarded.id}")
    assert response.status_code == 404
    db.session.refresh(foreign)
    assert not foreign.is_revoked


def test_revoking_from_the_page_makes_the_ob2_assertion_revoked_and_sets_the_ob3_status_bit(
        app, admin_client, world, awarded):
    public_id, page = awarded.public_id, f"{awards_url(world)}{awarded.id}"
    credential = admin_client.get(f"/badges/credentials/{public_id}").get_json()
    status = credential["credentialStatus"]

    def status_bit() -> bool:
        token = admin_client.get(urlparse(status["statusListCredential"]).path).get_data(as_text=True)
        encoded = jwt.decode(token, options={"verify_signature": False})["credentialSubject"]["encodedList"]
        return bit_is_set(decode_bitstring(encoded), int(status["statusListIndex"]))

    assert status_bit() is False
    response = post_form(admin_client, f"{page}/revoke", {"reason": "The assessment was not the learner's own work.",
                                                          "shown_to": "public"},
                         page=page)
    assert response.status_code == 302
    assert "revoked" in admin_client.get(page).get_data(as_text=True)

    assertion = admin_client.get(f"/badges/ob2/assertions/{public_id}")
    assert assertion.status_code == 410
    assert assertion.get_json()["revoked"] is True
    assert assertion.get_json()["revocationReason"] == "The assessment was not the learner's own work."
    assert status_bit() is True
    assert 'data-testid="revoked"' in admin_client.get(f"/badges/awards/{public_id}").get_data(as_text=True)


def test_a_revocation_without_a_reason_is_refused_and_changes_nothing(admin_client, world, awarded):
    page = f"{awards_url(world)}{awarded.id}"
    response = post_form(admin_client, f"{page}/revoke", {"reason": "   "}, page=page)
    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)
    db.session.refresh(awarded)
    assert not awarded.is_revoked


def test_re_issuing_signs_the_credential_again_with_the_same_id_and_status_bit(app, admin_client, world, awarded):
    public_id, page = awarded.public_id, f"{awards_url(world)}{awarded.id}"
    first = admin_client.get(f"/badges/credentials/{public_id}.jwt").get_data(as_text=True)
    before = jwt.decode(first, options={"verify_signature": False})
    world.organisation.name = "College of the North"  # the issuer's name changed since the award
    db.session.commit()
    assert admin_client.get(f"/badges/credentials/{public_id}.jwt").get_data(as_text=True) == first  # kept as signed

    response = post_form(admin_client, f"{page}/reissue", {}, page=page)
    assert response.status_code == 302

    second = admin_client.get(f"/badges/credentials/{public_id}.jwt").get_data(as_text=True)
    after = jwt.decode(second, options={"verify_signature": False})
    assert second != first
    assert after["id"] == before["id"] and after["credentialStatus"] == before["credentialStatus"]
    assert after["issuer"]["name"] == "College of the North"


def test_a_revoked_award_is_not_re_issued(admin_client, world, awarded, clock):
    revoke_award(awarded, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    db.session.commit()
    page = f"{awards_url(world)}{awarded.id}"
    response = post_form(admin_client, f"{page}/reissue", {}, page=page)
    assert response.status_code == 302
    assert "not re-issued" in admin_client.get(page).get_data(as_text=True)
