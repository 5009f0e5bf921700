"""`make bench`'s pages part seeds a generated organisation and opens its pages (bench/pages_seed.py): it runs on
SQLite, the default `make run` database, as on PostgreSQL, and every page it measures answers 200."""
import pytest

from bench import pages_seed

pytestmark = pytest.mark.sqlite


def test_the_pages_bench_seeds_and_every_measured_page_opens(committed_app):
    """A small organisation (50 staff): the seed commits, and the path, section, dashboard and skills map answer 200
    (the trivial page is the 404 page on purpose) with their statements counted."""
    result = pages_seed.main(50, app=committed_app)

    assert result["staff"] == 50 and result["course_members"] > 0
    assert result["statuses"] == {"trivial": 404, "path": 200, "section": 200, "dashboard": 200, "skills_map": 200}
    assert all(count > 0 for count in result["queries"].values())
