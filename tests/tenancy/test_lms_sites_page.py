"""The organisation admin's LMS sites page: one collapsible section per LMS, named with its issuer (two Moodles are
told apart), its sites' statuses in words, its issuer and client ID copyable, a section with a site waiting for
approval open."""
import re

import pytest

from app.extensions import db
from app.tenancy.models import Deployment
from app.tenancy.services import record_person
from tests.support.factories import ORG_ADMIN_ROLE, make_launch, make_registration, make_world, sign_in

pytestmark = pytest.mark.sqlite


@pytest.fixture
def two_moodles(app, client, clock):
    """A college launching from its Moodle and from a second Moodle of the same name, with a site waiting."""
    world = make_world(name="College", issuer="https://moodle.college.fi")
    world.registration.name = "Moodle"
    other = make_registration(name="Moodle", issuer="https://moodle.campus2.fi")
    db.session.add_all([
        Deployment(registration=other, deployment_id="campus-2-a", organisation=world.organisation),
        Deployment(registration=other, deployment_id="campus-2-b", organisation=world.organisation,
                   status=Deployment.PENDING),
    ])
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-1")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now()))
    return world, other


def sections(html: str) -> list[str]:
    return re.findall(r'<details class="lms-section".*?</details>', html, re.S)


def test_each_lms_has_its_own_collapsible_section_named_with_its_issuer(two_moodles, client):
    world, other = two_moodles

    html = client.get("/organisation/sites").get_data(as_text=True)

    found = sections(html)
    assert len(found) == 2
    assert "Moodle (https://moodle.college.fi)" in found[0] or "Moodle (https://moodle.college.fi)" in found[1]
    campus = next(section for section in found if "moodle.campus2.fi" in section)
    assert "campus-2-a" in campus and "campus-2-b" in campus and world.deployment.deployment_id not in campus
    assert re.search(r"<summary>.*Moodle \(https://moodle.campus2.fi\).*2 sites.*1 waits for approval.*</summary>",
                     campus, re.S)


def test_the_section_with_a_site_waiting_is_open_the_others_closed(two_moodles, client):
    html = client.get("/organisation/sites").get_data(as_text=True)

    opened = {("campus2" in section): bool(re.match(r"<details[^>]* open", section)) for section in sections(html)}
    assert opened == {True: True, False: False}


def test_statuses_are_words_and_the_issuer_and_client_id_are_copyable(two_moodles, client):
    _, other = two_moodles
    html = client.get("/organisation/sites").get_data(as_text=True)

    assert re.search(r'class="status status-pending">pending<', html)
    assert re.search(r'class="status status-active">active<', html)
    for name, value in (("issuer", other.issuer), ("client-id", other.client_id)):
        field_id = f"lms-{other.id}-{name}"
        assert f'<label for="{field_id}">' in html
        assert re.search(rf'<input[^>]*id="{field_id}"[^>]*value="{re.escape(value)}"[^>]*readonly[^>]*data-copy', html)
    assert 'data-copied-label="Copied"' in html and "/static/copy.js" in html


def test_the_sections_read_in_finnish(two_moodles, client, clock):
    world, _ = two_moodles
    admin = record_person(world.organisation.id, world.registration.issuer, "admin-fi")
    db.session.flush()
    sign_in(client, make_launch(world, admin, [ORG_ADMIN_ROLE], now=clock.now(), locale="fi"))

    html = client.get("/organisation/sites").get_data(as_text=True)

    campus = next(section for section in sections(html) if "campus2" in section)
    assert "2 sivustoa" in campus and "odottaa hyväksyntää" in campus
    assert ">pending<" not in html and ">active<" not in html
