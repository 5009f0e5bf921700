"""The dashboard's matrices: sorted by any column through links (aria-sort says how), filtered by the level in an
area, each member's summary naming the areas, and still a fixed number of queries when the sort needs every
member's placement."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.learning.models import ModuleProgress
from app.lti.nrps import Member
from app.lti.roster import record_roster
from app.tenancy.models import Person
from tests.support.factories import INSTRUCTOR_ROLE, make_launch, sign_in
from tests.support.queries import counted_queries

pytestmark = pytest.mark.sqlite

LEARNER_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@pytest.fixture
def instructor(client, clock, world, player_path):
    sign_in(client, make_launch(world, world.instructor, [INSTRUCTOR_ROLE], now=clock.now()))


def url(world, **args) -> str:
    return f"/courses/{world.course.id}/dashboard?" + "&".join(f"{name}={value}" for name, value in args.items())


def roster(world, clock, names) -> dict[str, int]:
    """The LMS lists these learners besides the world's: name → person id."""
    record_roster(world.course, [Member(world.learner.subject, (LEARNER_URI,), "Active", world.learner.name, None),
                                 *[Member(f"s-{name}", (LEARNER_URI,), "Active", name, None) for name in names]],
                  now=clock.now())
    db.session.flush()
    return dict(db.session.execute(select(Person.name, Person.id).where(
        Person.organisation_id == world.organisation.id, Person.name.is_not(None))).all())


def progress(world, clock, person_id: int, module_id: str, *, completed: bool, score: int | None = None):
    db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=person_id, module_id=module_id,
                                  started_at=clock.now(), updated_at=clock.now(),
                                  completed_at=clock.now() if completed else None, score=score))
    db.session.flush()


def names_in(page: str) -> list[str]:
    return re.findall(r'<th scope="row" class="member">\s*([^<\n]+?)\s*<br>', page)


def header(page: str, label: str) -> str:
    return re.search(rf'<th scope="col"[^>]*><a href="[^"]*">{re.escape(label)}(<span[^>]*>[^<]*</span>)?</a></th>',
                     page).group(0)




def test_members_sort_by_an_area_s_column_highest_level_first_and_back(client, clock, instructor, world):
    people = roster(world, clock, ["Ann", "Bob", "Cid"])
    progress(world, clock, people["Cid"], "mobility-basics", completed=True, score=90)
    progress(world, clock, people["Cid"], "mobility-next", completed=True, score=70)
    progress(world, clock, people["Bob"], "mobility-basics", completed=True, score=80)

    by_name = client.get(url(world)).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Learner mobility</a>', by_name).group(1).replace("&amp;", "&")
    by_area = client.get(link).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)">Learner mobility<span', by_area).group(1).replace("&amp;", "&")
    reversed_ = client.get(back).get_data(as_text=True)

    assert names_in(by_name) == ["Ann", "Bob", "Cid", "Lea Learner"]
    assert 'aria-sort="ascending"' in header(by_name, "Member") and "aria-sort" not in header(by_name,
                                                                                              "Learner mobility")
    assert "sort=area:mobility" in link
    assert names_in(by_area) == ["Cid", "Bob", "Ann", "Lea Learner"]  # Explorer, Rookie, then A–Z among the rest
    assert 'aria-sort="descending"' in header(by_area, "Learner mobility") and "▼" in header(by_area,
                                                                                               "Learner mobility")
    assert names_in(reversed_) == ["Ann", "Lea Learner", "Bob", "Cid"]
    assert 'aria-sort="ascending"' in header(reversed_, "Learner mobility")


def test_members_sort_by_a_module_s_column_completed_with_the_best_score_first(client, clock, instructor, world):
    people = roster(world, clock, ["Ann", "Bob", "Cid"])
    progress(world, clock, people["Ann"], "mobility-basics", completed=False)
    progress(world, clock, people["Bob"], "mobility-basics", completed=True, score=60)
    progress(world, clock, people["Cid"], "mobility-basics", completed=True, score=95)

    page = client.get(url(world, view="modules", sort="module:mobility-basics")).get_data(as_text=True)

    assert names_in(page) == ["Cid", "Bob", "Ann", "Lea Learner"]
    assert 'aria-sort="descending"' in header(page, "Mobility basics")
    assert "95 %" in page and "In progress" in page


def test_members_filter_by_their_level_in_an_area(client, clock, instructor, world):
    people = roster(world, clock, ["Ann", "Bob"])
    progress(world, clock, people["Bob"], "mobility-basics", completed=True, score=80)

    rookies = client.get(url(world, level_area="mobility", level="rookie")).get_data(as_text=True)
    not_started = client.get(url(world, level_area="mobility", level="none")).get_data(as_text=True)
    level_alone = client.get(url(world, level="rookie")).get_data(as_text=True)  # no area: no filter

    assert names_in(rookies) == ["Bob"] and "1 member matches." in rookies
    assert names_in(not_started) == ["Ann", "Lea Learner"]
    assert "3 members match." in level_alone


def test_the_summary_names_the_areas_of_each_level(client, clock, instructor, world):
    progress(world, clock, world.learner.id, "mobility-basics", completed=True, score=80)

    page = client.get(url(world, view="modules")).get_data(as_text=True)
    row = re.search(rf'<tr data-person="{world.learner.id}">(.*?)</tr>', page, re.S).group(1)

    assert "Rookie in Learner mobility" in row and "area(s)" not in page


def test_unknown_columns_and_values_fall_back_to_the_defaults(client, clock, instructor, world):
    roster(world, clock, ["Ann"])

    page = client.get(url(world, sort="area:nowhere", view="sideways", level_area="x", level="y", order="up"))

    assert page.status_code == 200
    assert names_in(page.get_data(as_text=True)) == ["Ann", "Lea Learner"]


def test_sorting_by_a_column_takes_the_same_few_queries_for_50_or_500_members(client, clock, instructor, world):
    roster(world, clock, [f"Student {n:03}" for n in range(50)])
    with counted_queries() as small:
        client.get(url(world, sort="area:mobility"))
    roster(world, clock, [f"Student {n:03}" for n in range(500)])
    with counted_queries() as large:
        page = client.get(url(world, sort="area:mobility", level_area="mobility", level="none")).get_data(as_text=True)

    assert "501 members match." in page and page.count("<tr data-person=") == 50
    assert len(large) == len(small) <= 14, large  # the header's navigation reads one (is this the reporting course)
