"""The exports open and say what the page says; another organisation's people never count; 5,000 staff take a
fixed handful of queries."""
import csv
import io
import re
from html import unescape

from openpyxl import load_workbook
from sqlalchemy import event

from app.extensions import db
from app.reports.periods import MONTH, Period
from app.reports.population import population
from app.reports.skills_map import protected_map
from tests.support.factories import ORG_ADMIN_ROLE, make_launch, sign_in
from tests.support.reports import generate_organisation

FILTERS = "?by=month&period=2026-10&compare=2026-06"


def _page_tables(html: str) -> list[list[list[str]]]:
    """Each table of the page as rows of cell texts (header row included)."""
    tables = []
    for table in re.findall(r'<table class="report-table[^"]*">(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
        tables.append(rows)
    return tables


def _signed_in(client, clock, generated):
    world = generated.world
    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    return client


def test_csv_and_xlsx_open_and_match_the_page(client, clock, generated):
    """Each table of the page is a table of the files with the same rows; numbers and marks column by column are
    checked in tests/reports/test_skills_map_page.py."""
    client = _signed_in(client, clock, generated)
    page = _page_tables(client.get("/reports/skills-map" + FILTERS).get_data(as_text=True))
    csv_text = client.get("/reports/skills-map.csv" + FILTERS).get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get("/reports/skills-map.xlsx" + FILTERS).get_data()))

    csv_tables = [block.splitlines() for block in csv_text.split("\r\n\r\n")]
    # map, ways, the months' comparison, the quarters' comparison, activity
    assert len(page) == len(csv_tables) == len(workbook.sheetnames) == 5
    for page_table, csv_lines, sheet in zip(page, csv_tables, workbook.worksheets, strict=True):
        csv_rows = list(csv.reader(csv_lines))[2:]  # the table's title, then its header
        sheet_rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert [row[0] for row in csv_rows] == [row[0] for row in sheet_rows] == [row[0] for row in page_table[1:]]
    assert "fewer than 5" in csv_text, "suppressed figures are marked in words, in their own columns"


def test_printable_page_has_the_figures_without_the_filters(client, clock, generated):
    client = _signed_in(client, clock, generated)

    printable = client.get("/reports/skills-map/print" + FILTERS).get_data(as_text=True)

    assert 'class="report-filters"' not in printable
    assert _page_tables(printable) == _page_tables(client.get("/reports/skills-map" + FILTERS).get_data(as_text=True))


def test_another_organisations_people_never_appear_in_the_map(app, path, generated):
    organisation_id = generated.world.organisation.id
    at = Period(2026, MONTH, 11).end
    before = protected_map(path, organisation_id, population(organisation_id), at)

    generate_organisation(path, name="Other College", staff=120, seed=99)

    after = protected_map(path, organisation_id, population(organisation_id), at)
    assert population(organisation_id).size == len(generated.people) + 2  # and make_world's learner and instructor
    assert {area: {key: (figure.value, figure.state) for key, figure in network.figures.items()}
            for area, network in before.by_area.items()} == \
        {area: {key: (figure.value, figure.state) for key, figure in network.figures.items()}
         for area, network in after.by_area.items()}


def test_the_map_of_5000_staff_is_four_queries(app, path):
    big = generate_organisation(path, name="Big College", staff=5000, seed=5, takings=(0, 1))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        people = population(big.world.organisation.id)
        tables = protected_map(path, big.world.organisation.id, people, Period(2026, MONTH, 11).end)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    # Group sizes, course titles, whether any taking lacks stored levels, the map's one aggregation.
    assert len(statements) == 4, statements
    assert sum(figure.value for (row, _level), figure in tables.by_area[path.areas[0].id].figures.items()
               if row == "__all__" and _level != "__total__") == 5002


def test_no_cell_of_a_workbook_is_a_formula_titles_and_headers_included():
    """openpyxl stores any text starting with = as a formula: a group title from the LMS (in a table's title)
    or a header must be quoted as the rows are."""
    from app.reports.exports import ExportTable, as_xlsx

    table = ExportTable('=HYPERLINK("http://evil","x")', ["Area", "+1", "@SUM(1)"], [["-1+2", 3], ["\tx", 4]])

    sheet = load_workbook(io.BytesIO(as_xlsx([table]))).worksheets[0]

    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert [cell.value for cell in cells] == ["'=HYPERLINK(\"http://evil\",\"x\")", "Area", "'+1", "'@SUM(1)",
                                              "'-1+2", 3, "'\tx", 4]
