"""The skills map page for an organisation manager: every "not shown" says why, a comparison that can be shown
stands beside the one that cannot, a percent view of the published counts only, honest gaps, and downloads
with numbers in numeric columns. Marked for SQLite: the default `make run` database must open every view."""
import re
from html import unescape

import pytest

from tests.support.factories import ORG_ADMIN_ROLE, make_launch, sign_in

pytestmark = pytest.mark.sqlite

COMPARED = "?by=month&period=2026-10&compare=2026-06"


def _signed_in(client, clock, generated):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    return client


def _tables(html: str) -> list[list[list[str]]]:
    """Each report table as rows of cell texts (header row included); a cell's mark and reason joined by " | "."""
    tables = []
    for table in re.findall(r'<table class="report-table[^"]*">(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([unescape(re.sub(r"\s*<span class=\"figure-reason\">", " | ",
                                         re.sub(r"</?(?!span class=\"figure-reason\")[^>]+>", "", cell))).strip()
                         .replace('<span class="figure-reason">', " | ") for cell in cells])
        tables.append(rows)
    return tables


def _page(client, query=COMPARED) -> str:
    response = client.get("/reports/skills-map" + query)
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "", "?by=quarter", COMPARED, "?by=quarter&period=2026-Q4&compare=2026-Q2", COMPARED + "&view=percent",
])
def test_every_view_of_the_skills_map_opens_on_both_databases(client, clock, generated, query):
    client = _signed_in(client, clock, generated)

    for page in ("/reports/skills-map", "/reports/skills-map/print", "/reports/skills-map.csv",
                 "/reports/skills-map.xlsx"):
        assert client.get(page + query).status_code == 200, page + query
