"""The skills map page for an organisation manager: every "not shown" says why, a comparison that can be shown
stands beside the one that cannot, a percent view of the published counts only, honest gaps, and downloads
with numbers in numeric columns. Marked for SQLite: the default `make run` database must open every view."""
import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.learning.models import ModuleProgress, SelfAssessment
from app.learning.placement import place
from app.reports.periods import MONTH, Period
from app.reports.population import people_with_course, population
from app.reports.skills_map import count_map
from tests.support.factories import ORG_ADMIN_ROLE, make_launch, sign_in

pytestmark = pytest.mark.sqlite

COMPARED = "?by=month&period=2026-10&compare=2026-06"


def _signed_in(client, clock, generated):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    return client


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Each report table by its class (map, ways, comparison…, activity) as rows of cell texts, header included;
    a cell's mark and its reason are joined by " | "."""
    tables = {}
    for kind, table in re.findall(r'<table class="report-table ?([^"]*)">(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([unescape(re.sub(r"<[^>]+>", "", cell.replace('<span class="figure-reason">', " | ")))
                         .strip() for cell in cells])
        name = kind or "activity"
        while name in tables:
            name += "+"
        tables[name] = rows
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


def test_every_figure_not_shown_says_why_in_words(client, clock, generated):
    """A "not shown" carries its reason in the cell itself, so a screen reader reads it with the figure."""
    client = _signed_in(client, clock, generated)
    html = _page(client)

    withheld = re.findall(r'<span class="suppressed suppressed-withheld">[^<]*</span>(<span class="figure-reason">'
                          r'([^<]*)</span>)?', html)
    assert withheld, "the generated organisation should have comparisons that cannot be shown"
    assert all(reason.startswith("Not shown: ") for _span, reason in withheld), withheld
    assert "at least 5 people moved up" in html or "hides a figure of this line" in html


def _direct(path, organisation_id, at):
    """person → {area: Placement} at `at`, one person at a time through app.learning.placement.place."""
    placed = {}
    for person_id, _course in db.session.execute(people_with_course(organisation_id)).all():
        assessment = db.session.scalars(
            select(SelfAssessment).where(SelfAssessment.person_id == person_id, SelfAssessment.taken_at < at)
            .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc())).first()
        ratings = {rating.statement_id: rating.rating for rating in assessment.ratings} if assessment else {}
        completed = set(db.session.scalars(select(ModuleProgress.module_id).where(
            ModuleProgress.person_id == person_id, ModuleProgress.completed_at < at)))
        placed[person_id] = {placement.area.id: placement for placement in place(path, ratings, completed)}
    return placed


def test_where_no_area_can_show_a_change_moved_up_in_any_area_can_and_is_a_true_count(client, clock, generated,
                                                                                        path):
    client = _signed_in(client, clock, generated)
    comparison = _tables(_page(client))["comparison-table"]

    *areas, any_area = comparison[1:]
    assert all(cells[1].startswith("not shown | Not shown: ") for cells in areas)
    assert any_area[0] == "In any area"
    organisation_id = generated.world.organisation.id
    before = _direct(path, organisation_id, Period(2026, MONTH, 6).end)
    after = _direct(path, organisation_id, Period(2026, MONTH, 10).end)
    moved = sum(any(after[person][area].order > before[person][area].order for area in before[person])
                for person in before)
    assert any_area[1] == str(moved)


def test_a_month_comparison_also_offers_the_quarters_each_line_shown_or_explained(client, clock, generated):
    client = _signed_in(client, clock, generated)
    html = _page(client)

    assert "Quarters instead: Moved up at least one level from the end of 2026-Q2 to the end of 2026-Q4" in html
    quarters = _tables(html)["comparison-table+"]
    assert all(re.fullmatch(r"\d+", cell) or cell.startswith("not shown | Not shown: ")
               for row in quarters[1:] for cell in row[1:])


def test_percentages_are_shares_of_published_counts_only(client, clock, generated):
    """The percent view shows a share where the count view shows a number, and the same mark where it does not:
    a share is never worked out from a suppressed figure (so it adds nothing a reader could subtract)."""
    client = _signed_in(client, clock, generated)
    counts, shares = _tables(_page(client)), _tables(_page(client, COMPARED + "&view=percent"))
    size = generated.world.organisation and int(re.search(r"\((\d+) people\)", _page(client)).group(1))

    compared = 0
    for name in ("skills-map-table", "comparison-table", "ways-table"):
        for count_row, share_row in zip(counts[name][1:], shares[name][1:], strict=True):
            for count, share in zip(count_row[1:], share_row[1:], strict=True):
                if re.fullmatch(r"\d+", count):
                    assert share == f"{round(100 * int(count) / size)}%", (name, count, share)
                    compared += 1
                else:
                    assert share == count and "%" not in share
    assert compared > 20
    assert counts["activity"] == shares["activity"]  # events, not people: numbers in both views


def test_gaps_say_figures_are_hidden_rather_than_counting_them_as_0(client, clock, generated):
    client = _signed_in(client, clock, generated)
    html = _page(client)
    rows = {row[0]: row[1:] for row in _tables(html)["skills-map-table"][1:]}

    gaps = re.findall(r"<li>\s*<h3>(.*?)</h3>\s*<p>(.*?)</p>", html, re.S)
    assert gaps
    for area, text in gaps:
        upper = rows[unescape(area)][3:]  # Practitioner and above
        if all(re.fullmatch(r"\d+", cell) for cell in upper):
            assert text.startswith(f"{sum(map(int, upper))} "), text
        else:
            assert "hidden to protect small groups" in text.lower() and not text.startswith("0 "), text
    assert any("hidden to protect small groups" in text.lower() for _area, text in gaps)


def test_downloads_keep_numbers_in_numeric_columns_and_marks_in_their_own(client, clock, generated):
    client = _signed_in(client, clock, generated)
    page = _tables(_page(client))
    text = client.get("/reports/skills-map.csv" + COMPARED).get_data(as_text=True)
    csv_tables = [list(csv.reader(block.splitlines())) for block in text.split("\r\n\r\n")]
    workbook = load_workbook(io.BytesIO(client.get("/reports/skills-map.xlsx" + COMPARED).get_data()))

    names = ["skills-map-table", "ways-table", "comparison-table", "comparison-table+", "activity"]
    assert len(csv_tables) == len(workbook.worksheets) == len(names)
    for name, rows, sheet in zip(names, csv_tables, workbook.worksheets, strict=True):
        header, body = rows[1], rows[2:]
        sheet_rows = list(sheet.iter_rows(min_row=3, values_only=True))
        for page_row, csv_row, sheet_row in zip(page[name][1:], body, sheet_rows, strict=True):
            assert csv_row[0] == page_row[0] == sheet_row[0]
            column = 1
            for cell in page_row[1:]:
                number, note = csv_row[column], csv_row[column + (2 if "(%)" in header[column + 1] else 1)]
                if re.fullmatch(r"\d+", cell):
                    assert number == cell and note == "" and sheet_row[column] == int(cell)
                else:
                    assert number == "" and sheet_row[column] is None, (name, cell, csv_row)
                    assert note.split(": ")[0] == cell.split(" | ")[0], (note, cell)
                column += 3 if "(%)" in header[column + 1] else 2
    assert not any("fewer than" in value for rows in csv_tables for row in rows[2:] for value in row
                   if re.fullmatch(r"[<>]?\d.*", value or "x"))


def test_the_ways_are_true_counts_of_how_each_person_reached_their_level(client, clock, generated, path):
    client = _signed_in(client, clock, generated)
    ways = _tables(_page(client))["ways-table"]
    placed = _direct(path, generated.world.organisation.id, Period(2026, MONTH, 10).end)

    titles = {area.localised("en"): area.id for area in path.areas}
    checked = 0
    for label, *cells in ways[1:]:
        placements = [by_area[titles[label]] for by_area in placed.values() if by_area[titles[label]].level]
        counts = [sum(1 for placement in placements if placement.by_demonstration),
                  sum(1 for placement in placements if not placement.by_demonstration and placement.by_completion),
                  sum(1 for placement in placements if not placement.by_demonstration and not placement.by_completion)]
        for cell, count in zip(cells, [counts[2], counts[1], counts[0]], strict=True):
            if re.fullmatch(r"\d+", cell):
                assert int(cell) == count, (label, cells, counts)
                checked += 1
    assert checked >= 3


def test_completed_modules_alone_never_place_anyone_above_explorer_in_the_map(app, path, generated):
    """Someone who completed every module of an area, up to Expert, and rated nothing counts at Explorer."""
    organisation_id = generated.world.organisation.id
    person_id = generated.people[0]
    at = Period(2026, MONTH, 11).end
    area = path.areas[0]
    assert path.modules_for(area.id, "expert"), "the area has modules above Explorer"
    db.session.execute(ModuleProgress.__table__.delete().where(ModuleProgress.person_id == person_id))
    for assessment in db.session.scalars(select(SelfAssessment).where(SelfAssessment.person_id == person_id)):
        db.session.delete(assessment)
    db.session.flush()
    course = dict(db.session.execute(people_with_course(organisation_id)).all())[person_id]
    before = count_map(path, organisation_id, population(organisation_id), at)

    for level in path.levels:
        for module in path.modules_for(area.id, level.id):
            db.session.add(ModuleProgress(organisation_id=organisation_id, person_id=person_id, module_id=module.id,
                                          started_at=at - timedelta(days=9), updated_at=at - timedelta(days=8),
                                          completed_at=at - timedelta(days=8), score=90))
    db.session.flush()
    after = count_map(path, organisation_id, population(organisation_id), at)

    changed = {key: after.get(key, 0) - before.get(key, 0) for key in set(before) | set(after)
               if after.get(key, 0) != before.get(key, 0)}
    assert changed == {(course, area.id, 0): -1, (course, area.id, path.level("explorer").order): 1}
