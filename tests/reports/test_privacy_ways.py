"""How people reached their level rides in the map's own network: the links between levels and ways are never
shown, and one that counts 1 to 4 people must not be worked out from the level totals and the way totals."""
import pytest

from app.reports import privacy
from app.reports.population import Group, Population
from app.reports.skills_map import LINK, WAY_BADGE, WAY_MODULES, WAY_SELF, WAYS_ROW, protect_counts

pytestmark = pytest.mark.sqlite

LEVELS = [0, 1, 2, 3, 4]
POSSIBLE = {1: [WAY_SELF, WAY_MODULES], 2: [WAY_SELF, WAY_MODULES], 3: [WAY_SELF, WAY_BADGE], 4: [WAY_SELF]}


def _population():
    return Population(None, [Group("a", "A", 40, {1}), Group("b", "B", 30, {2})], 70)


def _cells():
    return {("a", 0): 24, ("a", 1): 10, ("a", 3): 6, ("b", 0): 20, ("b", 1): 10}


def test_a_link_of_1_to_4_people_cannot_be_worked_out_from_the_level_and_way_totals():
    """At Practitioner 6 people: 5 by a badge (the badge's only level, so its total is that link) and 1 by their
    own rating. Showing both the 6 and the 5 would give the 1 away: one of them is hidden."""
    links = {(1, WAY_SELF): 15, (1, WAY_MODULES): 5, (3, WAY_SELF): 1, (3, WAY_BADGE): 5}

    network = protect_counts(_population(), LEVELS, _cells(), ways=(POSSIBLE, links))

    level_total, badge_total = network.figures[(privacy.ALL, 3)], network.figures[(WAYS_ROW, WAY_BADGE)]
    assert badge_total.value == 5 and level_total.value == 6
    assert level_total.suppressed or badge_total.suppressed
    assert network.figures[(LINK, (3, WAY_SELF))].state == privacy.UNPUBLISHED
    assert privacy.find_pinned(network) == []


def test_ways_are_shown_where_nothing_small_follows_and_add_up_to_the_people_started():
    links = {(1, WAY_SELF): 12, (1, WAY_MODULES): 8, (3, WAY_SELF): 6, (3, WAY_BADGE): 0}

    network = protect_counts(_population(), LEVELS, _cells(), ways=(POSSIBLE, links))

    shown = {way: network.figures[(WAYS_ROW, way)] for way in (WAY_SELF, WAY_MODULES, WAY_BADGE)}
    assert {way: figure.value for way, figure in shown.items()} == {WAY_SELF: 18, WAY_MODULES: 8, WAY_BADGE: 0}
    assert not any(figure.suppressed for figure in shown.values())
    assert sum(figure.value for figure in shown.values()) == 70 - network.figures[(privacy.ALL, 0)].value
