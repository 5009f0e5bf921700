"""The earner's whole collection: all awards in one ZIP, and a personal share link that works outside the LMS
(unguessable, replaceable, revocable) and shows only their public, unrevoked badges."""
import io
import json
import zipfile
from urllib.parse import urlparse

import pytest

from app.badges.awarding import awards_of, revoke_award
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import sign_in
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def signed_in(client, learner_launch):
    sign_in(client, learner_launch)
    return learner_launch


@pytest.fixture
def two_badges(app, signed_in, clock, world):
    """Erasmus+ Starter and Skills Competitions, earned."""
    complete_module(app, signed_in, "erasmus-plus-for-vet", now=clock.now())
    complete_module(app, signed_in, "skills-competitions", now=clock.now())
    db.session.commit()
    return {award.badge_id: award for award in awards_of(world.organisation.id, world.learner.id)}


def archive(client) -> zipfile.ZipFile:
    response = client.get("/badges/mine/all-badges.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-badges-')
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_my_badges_offers_the_download_of_all_badges_once_one_is_earned(client, signed_in, two_badges):
    assert 'data-testid="download-all"' in client.get("/badges/mine").get_data(as_text=True)


def test_the_zip_holds_each_awards_signed_credential_and_baked_images(client, signed_in, two_badges):
    files = archive(client)
    starter = two_badges["erasmus-plus-starter"]
    folder = f"erasmus-plus-starter-{starter.public_id[:8]}"
    names = set(files.namelist())
    assert {f"{folder}/ob3-credential.json", f"{folder}/ob3-credential.jwt", f"{folder}/ob3-badge.png",
            f"{folder}/ob3-badge.svg"} <= names
    assert not any("ob2" in name for name in names)  # no email: no OB 2.0 versions
    token = files.read(f"{folder}/ob3-credential.jwt").decode()
    assert token == client.get(f"/badges/credentials/{starter.public_id}.jwt").get_data(as_text=True)
    signed = json.loads(files.read(f"{folder}/ob3-credential.json"))
    assert signed == client.get(f"/badges/credentials/{starter.public_id}").get_json() and signed["proof"]
    assert token.encode() in files.read(f"{folder}/ob3-badge.png")  # baked as an uncompressed iTXt chunk
    assert token in files.read(f"{folder}/ob3-badge.svg").decode()
    assert files.read(f"{folder}/ob3-badge.png") == client.get(f"/badges/awards/{starter.public_id}/ob3.png").data


def test_with_an_email_the_zip_has_the_ob2_versions_too(client, signed_in, two_badges):
    post_form(client, "/badges/mine/settings", {"email": "lea@college.example.org"}, page="/badges/mine")
    names = archive(client).namelist()
    assert sum(name.endswith("/ob2-assertion.json") for name in names) == 2
    assert sum(name.endswith("/ob2-badge.png") for name in names) == 2


def test_revoked_awards_are_left_out_of_the_zip(client, signed_in, two_badges, clock):
    revoke_award(two_badges["skills-competitions"], "awarded by mistake", now=clock.now(), revoked_by="test",
                 reason_public=True)
    db.session.commit()
    names = archive(client).namelist()
    assert any(name.startswith("erasmus-plus-starter-") for name in names)
    assert not any(name.startswith("skills-competitions-") for name in names)


def test_the_zip_needs_a_launch(client):
    assert client.get("/badges/mine/all-badges.zip").status_code == 403


def share_url(client) -> str | None:
    page = client.get("/badges/mine").get_data(as_text=True)
    if 'data-testid="share-url"' not in page:
        return None
    return page.split('data-testid="share-url"')[0].rsplit('value="', 1)[1].split('"')[0]


def make_link(client) -> str:
    response = post_form(client, "/badges/mine/share", {"action": "make"}, page="/badges/mine")
    assert response.status_code == 302
    return urlparse(share_url(client)).path


def test_the_share_link_shows_the_public_badges_to_anyone_outside_the_lms(app, client, signed_in, two_badges):
    assert share_url(client) is None
    path = make_link(client)
    assert len(path.rsplit("/", 1)[1]) >= 32  # unguessable
    two_badges["skills-competitions"].is_private = True
    db.session.commit()

    stranger = app.test_client()
    response = stranger.get(path)
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    page = response.get_data(as_text=True)
    listed = page.split('data-testid="shared-badges"')[1].split("</ul>")[0]
    assert f"/badges/awards/{two_badges['erasmus-plus-starter'].public_id}" in listed
    assert "skills-competitions" not in listed  # private
    assert "Lea Learner" not in page  # the name only when the earner chose to show it


def test_the_shared_page_names_the_earner_only_by_their_choice(app, client, signed_in, two_badges):
    path = make_link(client)
    post_form(client, "/badges/mine/settings", {"show_name": "yes"}, page="/badges/mine")
    assert "Lea Learner" in app.test_client().get(path).get_data(as_text=True)


def test_a_new_link_replaces_the_old_one_and_stopping_withdraws_it(app, client, signed_in, two_badges):
    stranger = app.test_client()
    first = make_link(client)
    second = make_link(client)
    assert first != second
    assert stranger.get(first).status_code == 404
    assert stranger.get(second).status_code == 200

    post_form(client, "/badges/mine/share", {"action": "stop"}, page="/badges/mine")
    assert stranger.get(second).status_code == 404
    assert share_url(client) is None


def test_revoked_badges_are_not_shown_on_the_shared_page(app, client, signed_in, two_badges, clock):
    path = make_link(client)
    revoke_award(two_badges["erasmus-plus-starter"], "awarded by mistake", now=clock.now(), revoked_by="test",
                 reason_public=True)
    db.session.commit()
    page = app.test_client().get(path).get_data(as_text=True)
    assert two_badges["erasmus-plus-starter"].public_id not in page


def test_an_unknown_share_token_is_not_found(client):
    assert client.get("/badges/shared/not-a-real-token").status_code == 404


def test_the_path_page_and_the_share_section_speak_the_learners_language(app, client, world, clock):
    from tests.support.factories import LEARNER_ROLE, make_launch

    launch = make_launch(world, world.learner, [LEARNER_ROLE], now=clock.now(), locale="fi")
    sign_in(client, launch)
    assert "Et ole vielä ansainnut osaamismerkkiä." in client.get("/").get_data(as_text=True)
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())
    db.session.commit()
    assert "Jakolinkkisi" in client.get("/badges/mine").get_data(as_text=True)
