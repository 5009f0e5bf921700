"""The organisation admin finds the two records to merge by searching (name, email or LMS user id), never in a list
of everyone: in an organisation of 5,000 people the page stays small, and a search matching too many asks to be
refined. Searches see only the admin's own organisation and never erased records."""
import re

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.tenancy.models import Person
from app.tenancy.people_search import PEOPLE_PAGE_SIZE, SEARCH_LIMIT, find_people, people_page
from app.tenancy.services import record_person
from tests.support.factories import ORG_ADMIN_ROLE, make_launch, make_world, sign_in

pytestmark = pytest.mark.sqlite


@pytest.fixture
def college(app):
    world = make_world()
    record_person(world.organisation.id, "https://its.example", "its-42", name="Lea Lähde", email="lea@college.example")
    record_person(world.organisation.id, "https://its.example", "its-43", name="Leo 100%_sure")
    db.session.flush()
    return world


@pytest.fixture
def admin_client(college, client, clock):
    admin = record_person(college.organisation.id, college.registration.issuer, "admin-1", name="Ada Admin")
    db.session.flush()
    sign_in(client, make_launch(college, admin, [ORG_ADMIN_ROLE], now=clock.now()))
    return client


def many_people(world, count: int) -> None:
    db.session.execute(insert(Person), [
        {"organisation_id": world.organisation.id, "issuer": world.registration.issuer, "subject": f"user-{n:05d}",
         "name": f"Person {n:05d}", "email": f"person{n}@college.example"} for n in range(count)])
    db.session.flush()


def names(found) -> list[str]:
    return [person.name for person in found.people]


def test_a_search_matches_part_of_a_name_an_email_or_the_lms_user_id_in_any_case(college):
    org = college.organisation.id

    assert names(find_people(org, "lea")) == ["Lea Learner", "Lea Lähde"]
    assert names(find_people(org, "COLLEGE.example")) == ["Lea Lähde"]
    assert names(find_people(org, "its-4")) == ["Lea Lähde", "Leo 100%_sure"]
    assert names(find_people(org, "  lea   lähde ")) == ["Lea Lähde"]  # spaces as typed, trimmed


def test_percent_and_underscore_are_searched_as_themselves(college):
    assert names(find_people(college.organisation.id, "0%_s")) == ["Leo 100%_sure"]
    assert names(find_people(college.organisation.id, "_")) == ["Leo 100%_sure"]


def test_an_empty_search_finds_nobody_rather_than_everyone(college):
    assert find_people(college.organisation.id, "   ").people == []


def test_a_search_sees_neither_another_organisation_nor_erased_records(college, clock):
    elsewhere = make_world("Elsewhere")
    college.learner.erased_at = clock.now()
    db.session.flush()

    assert names(find_people(college.organisation.id, "Lea")) == ["Lea Lähde"]
    assert names(find_people(elsewhere.organisation.id, "Lea")) == ["Lea Learner"]
    assert find_people(elsewhere.organisation.id, "Lea").people[0].organisation_id == elsewhere.organisation.id


def test_a_search_shows_a_bounded_number_and_says_more_match(college):
    many_people(college, SEARCH_LIMIT + 5)

    found = find_people(college.organisation.id, "Person")

    assert len(found.people) == SEARCH_LIMIT and found.more
    assert not find_people(college.organisation.id, "Person 00001").more


def test_the_list_of_everyone_comes_a_page_at_a_time(college):
    many_people(college, 120)
    org = college.organisation.id

    first, third, beyond = people_page(org, 1), people_page(org, 3), people_page(org, 99)

    assert first.total == 124 and first.count == 3 and len(first.items) == PEOPLE_PAGE_SIZE  # with the world's 4
    assert len(third.items) == 124 - 2 * PEOPLE_PAGE_SIZE and not third.has_next and third.has_previous
    assert beyond.number == 3  # past the end: the last page
    assert {p.id for p in first.items}.isdisjoint({p.id for p in third.items})


def test_with_5000_people_the_people_page_is_small_and_has_no_list_of_everyone(college, admin_client):
    many_people(college, 5000)

    page = admin_client.get("/organisation/people").text
    search = admin_client.get("/organisation/people?keep=Person").text

    for html in (page, search):
        assert "<option" not in html
        assert len(re.findall(r"<tr id=\"person-", html)) == PEOPLE_PAGE_SIZE
        assert len(html) < 60_000, len(html)
    assert "5005 in all" in page  # the world's four, the admin and the 5,000
    assert len(re.findall(r'type="radio"[^>]*name="kept_id"', search)) == SEARCH_LIMIT
    assert len(re.findall(r'type="radio"[^>]*name="merged_id"', search)) == SEARCH_LIMIT  # the same search
    assert "More match: refine your search" in search


def test_the_two_lists_come_from_their_own_searches_as_labelled_radio_buttons(college, admin_client):
    page = admin_client.get("/organisation/people?keep=Learner&merge=its-42").text

    keep_ids = re.findall(r'id="(keep-\d+)" name="kept_id"', page)
    merge_ids = re.findall(r'id="(merge-\d+)" name="merged_id"', page)
    assert keep_ids == [f"keep-{college.learner.id}"]
    assert len(merge_ids) == 1
    for radio_id in keep_ids + merge_ids:
        assert f'<label for="{radio_id}">' in page
    assert "1 record matches “its-42”." in page
    assert 'role="search"' in page and '<label for="keep-search">' in page


def test_a_search_that_matches_nobody_says_so_and_offers_no_merge_button(college, admin_client):
    page = admin_client.get("/organisation/people?keep=nobody-like-this").text

    assert "No record matches “nobody-like-this”." in page
    assert ">Merge</button>" not in page


def test_the_search_form_keeps_the_launch_and_the_pages_keep_the_search(college, admin_client):
    many_people(college, 60)

    page = admin_client.get("/organisation/people?keep=Person").text

    assert re.search(r'<input type="hidden" name="launch_token" value="[^"]+">', page)
    assert re.search(r'href="/organisation/people\?[^"]*keep=Person[^"]*page=2', page)
