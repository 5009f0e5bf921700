"""The earner's pages: "My badges" inside the LMS, and each award's public verification page."""
import pytest

from app.badges.awarding import awards_of, revoke_award
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, make_launch, make_world, sign_in
from tests.support.forms import post_form
from tests.support.served_badges import jwt_payload

pytestmark = pytest.mark.sqlite


@pytest.fixture
def signed_in(client, learner_launch):
    sign_in(client, learner_launch)
    return learner_launch


def the_award(world):
    [award] = awards_of(world.organisation.id, world.learner.id)
    return award


def test_the_path_page_leads_to_my_badges(client, signed_in):
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="your-badges"' in page and "/badges/mine" in page


def test_the_path_page_lists_the_earned_badges_with_their_images_and_public_pages(app, client, signed_in, clock, world):
    assert 'data-testid="path-no-badges"' in client.get("/").get_data(as_text=True)
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    award = the_award(world)
    page = client.get("/").get_data(as_text=True)
    strip = page.split('data-testid="path-earned-badges"')[1].split("</ul>")[0]
    assert "Completed: Erasmus+ in VET" in strip and f"/badges/awards/{award.public_id}" in strip
    image = strip.split('src="')[1].split('"')[0]
    assert image.split("?")[0].endswith("/erasmus-plus-starter.png") and client.get(image).mimetype == "image/png"


def test_the_path_page_leaves_out_revoked_badges_and_links_a_private_one_to_my_badges(app, client, signed_in, clock,
                                                                                        world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    starter, competitions = sorted(awards_of(world.organisation.id, world.learner.id), key=lambda a: a.badge_id)
    revoke_award(competitions, "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    starter.is_private = True
    db.session.commit()
    strip = client.get("/").get_data(as_text=True).split('data-testid="path-earned-badges"')[1].split("</ul>")[0]
    assert 'data-badge="skills-competitions"' not in strip
    assert 'data-badge="erasmus-plus-starter"' in strip and "/badges/mine" in strip
    assert f"/badges/awards/{starter.public_id}" not in strip


def test_my_badges_shows_earned_badges_and_the_next_ones_within_reach_with_what_is_missing(
    app, client, signed_in, clock, world
):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    complete_module(app, signed_in, "vet-systems-at-a-glance", now=clock.now())
    page = client.get("/badges/mine").get_data(as_text=True)
    earned = page.split('data-testid="earned-badges"')[1].split("</section>")[0]
    assert "Completed: Erasmus+ in VET" in earned and f"/badges/awards/{the_award(world).public_id}" in earned
    reach = page.split('data-testid="within-reach"')[1].split("</section>")[0]
    assert "Completed: Rookie level in three areas" in reach  # two of three rookie areas done: one module away
    assert "2 of 3 modules completed" in reach


def test_my_badges_says_there_is_no_ob2_version_without_an_email(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    page = client.get("/badges/mine").get_data(as_text=True)
    assert 'data-testid="no-ob2"' in page and "ob2.png" not in page
    post_form(client, "/badges/mine/settings", {"email": "Lea@College.example.org"}, page="/badges/mine")
    page = client.get("/badges/mine").get_data(as_text=True)
    assert 'data-testid="no-ob2"' not in page and "ob2.png" in page
    assert client.get(f"/badges/ob2/assertions/{the_award(world).public_id}").status_code == 200


def test_an_invalid_email_is_refused_with_what_to_write(client, signed_in):
    response = post_form(client, "/badges/mine/settings", {"email": "not an address"}, page="/badges/mine")
    assert response.status_code == 400
    assert "is not an email address" in response.get_data(as_text=True)


def test_an_earner_who_gives_their_own_did_is_named_by_it_in_every_credential_from_then_on(
        app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award = the_award(world)
    before = client.get(f"/badges/credentials/{award.public_id}").get_json()["credentialSubject"]["id"]
    assert before.startswith("urn:uuid:")
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    post_form(client, "/badges/mine/settings", {"did": did}, page="/badges/mine")
    assert f'value="{did}"' in client.get("/badges/mine").get_data(as_text=True)
    assert client.get(f"/badges/credentials/{award.public_id}").get_json()["credentialSubject"]["id"] == did
    jwt_claims = client.get(f"/badges/credentials/{award.public_id}.jwt").get_data(as_text=True)
    assert jwt_payload(jwt_claims)["sub"] == did
    post_form(client, "/badges/mine/settings", {"did": ""}, page="/badges/mine")  # given back: the uuid again
    assert client.get(f"/badges/credentials/{award.public_id}").get_json()["credentialSubject"]["id"] == before


@pytest.mark.parametrize("did", ["did:key", "did:Key:z6Mk", "did:key:z6Mk:", "did:key:z6 Mk", "urn:uuid:1234",
                                 "did:web:" + "a" * 500])
def test_something_that_is_not_a_did_is_refused_with_what_to_write(client, signed_in, did):
    response = post_form(client, "/badges/mine/settings", {"did": did}, page="/badges/mine")
    assert response.status_code == 400
    assert "is not a DID" in response.get_data(as_text=True) and "did:key:z6Mk" in response.get_data(as_text=True)


def test_my_badges_is_translated(app, client, clock, world):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi")
    sign_in(client, launch)
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    page = client.get("/badges/mine").get_data(as_text=True)
    assert "Suoritettu: Erasmus+ ammatillisessa koulutuksessa" in page and "Badges you have earned" not in page


def test_the_award_page_shows_a_valid_badge_with_its_evidence_and_open_graph_tags(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    page = client.get(f"/badges/awards/{the_award(world).public_id}").get_data(as_text=True)
    assert 'data-testid="valid"' in page and "verified with the issuer" in page
    assert "Erasmus+ in VET: what it offers you and your learners" in page
    assert '<meta property="og:title" content="Completed: Erasmus+ in VET">' in page
    assert "linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert "Lea Learner" not in page  # the earner did not choose to show their name


def test_the_award_page_shows_the_name_only_when_the_earner_chose_it(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    post_form(client, "/badges/mine/settings", {"show_name": "yes"}, page="/badges/mine")
    page = client.get(f"/badges/awards/{the_award(world).public_id}").get_data(as_text=True)
    assert 'data-testid="earner">Lea Learner<' in page


def test_the_award_page_shows_a_revoked_badge_as_revoked_with_the_reason(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    revoke_award(the_award(world), "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    page = client.get(f"/badges/awards/{the_award(world).public_id}").get_data(as_text=True)
    assert 'data-testid="revoked"' in page and "awarded by mistake" in page
    assert 'data-testid="valid"' not in page and "linkedin" not in page


def test_the_award_page_shows_an_expired_badge_as_expired(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    url = f"/badges/awards/{the_award(world).public_id}"
    assert 'data-testid="valid"' in client.get(url).get_data(as_text=True)
    clock.advance(days=1096)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="expired"' in page and 'data-testid="valid"' not in page


def test_a_private_award_has_no_public_page_but_its_credentials_keep_resolving(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    award_id = the_award(world).public_id
    post_form(client, f"/badges/mine/awards/{award_id}/privacy", {"private": "yes"}, page="/badges/mine")
    assert client.get(f"/badges/awards/{award_id}").status_code == 404
    assert f'/badges/awards/{award_id}"' not in client.get("/badges/mine").get_data(as_text=True)
    assert client.get(f"/badges/credentials/{award_id}").status_code == 200
    assert client.get(f"/badges/credentials/{award_id}.jwt").status_code == 200


def test_a_learner_cannot_change_another_persons_award(app, client, signed_in, clock, world):
    other_world = make_world("Other college")
    other = make_launch(other_world, other_world.learner, [LEARNER_ROLE], now=clock.now())
    complete_module(app, other, "erasmus-plus-for-vet", now=clock.now())
    [award] = awards_of(other_world.organisation.id, other_world.learner.id)
    response = post_form(client, f"/badges/mine/awards/{award.public_id}/privacy", {"private": "yes"},
                         page="/badges/mine")
    assert response.status_code == 404
    db.session.refresh(award)
    assert award.is_private is False


def test_my_badges_needs_a_launch(client):
    assert client.get("/badges/mine").status_code == 403


def test_the_module_summary_names_only_the_badges_not_announced_before(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    first = client.get("/modules/erasmus-plus-for-vet/summary").get_data(as_text=True)
    assert "You earned the badge Completed: Erasmus+ in VET" in first

    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    db.session.commit()
    notice = client.get("/modules/skills-competitions/summary").get_data(as_text=True).split(
        'data-testid="earned-badges"')[1].split("</section>")[0]
    assert 'data-badge="skills-competitions"' in notice and "Completed: Erasmus+ in VET" not in notice
    assert all(award.announced_at is not None for award in awards_of(world.organisation.id, world.learner.id))


def test_a_revoked_badge_is_never_announced(app, client, signed_in, clock, world):
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    revoke_award(the_award(world), "awarded by mistake", now=clock.now(), revoked_by="test", reason_public=True)
    db.session.commit()
    assert 'data-testid="earned-badges"' not in client.get("/modules/erasmus-plus-for-vet/summary").get_data(
        as_text=True
    )


def test_the_badge_announcement_is_translated(app, client, clock, world):
    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi")
    sign_in(client, launch)
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    notice = client.get("/modules/erasmus-plus-for-vet/summary").get_data(as_text=True).split(
        'data-testid="earned-badges"')[1].split("</section>")[0]
    assert "Suoritettu: Erasmus+ ammatillisessa koulutuksessa" in notice
    assert "You earned" not in notice and "My badges" not in notice
