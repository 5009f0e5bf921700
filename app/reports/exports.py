"""The skills map's tables as files: CSV, and XLSX through openpyxl. The same figures and words as the page.

Numbers stay in numeric columns (a figure not shown is an empty cell there, never "<5" or a word); each figure
has its own note column beside it with the page's mark ("fewer than 5", "hidden", "not shown: why"), and the
map and comparisons a percent column, filled for published figures only.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from app.reports.personal_data import _safe_cell
from app.reports.report import SkillsReport


@dataclass
class ExportTable:
    title: str
    header: list[str]
    rows: list[list]  # numbers in numeric columns (None: not shown), words in text and note columns


def _figure_columns(label: str, with_percent: bool) -> list[str]:
    """A figure's columns: its number, (its share of the line's people,) and the note saying why it is not shown."""
    return [label] + ([_("%(column)s (%%)", column=label)] if with_percent else []) + \
        [_("%(column)s: not shown", column=label)]


def _figure_cells(shown, total: int, with_percent: bool) -> list:
    """The number (None when not shown), the percentage of published figures only, and the page's mark."""
    cells = [shown.value if shown.published else None]
    if with_percent:
        share = shown.percent(total)
        cells.append(None if share is None else round(100 * share, 1))
    note = "" if shown.published else (f"{shown.text}: {shown.reason}" if shown.reason else shown.text)
    return cells + [note]


def report_tables(report: SkillsReport, locale: str) -> list[ExportTable]:
    """The tables of the page, in its order: the map, the ways, each comparison (when compared), the activity."""
    filters = report.filters
    scope = filters.group.title if filters.group else _("Whole organisation")
    tables = [ExportTable(
        _("Skills map at the end of %(period)s: %(scope)s", period=filters.period.slug, scope=scope),
        [_("Area")] + [column for title in report.level_titles for column in _figure_columns(title, True)]
        + [_("People")],
        [[row.area.localised(locale)] + [value for cell in row.cells for value in _figure_cells(cell, row.total, True)]
         + [row.total] for row in report.map_rows],
    )]
    if report.ways_rows:
        tables.append(ExportTable(
            _("How people reached their level at the end of %(period)s: whole organisation",
              period=filters.period.slug),
            [_("Area")] + [column for title in report.ways_columns for column in _figure_columns(title, True)],
            [[label] + [value for cell in cells for value in _figure_cells(cell, report.population.size, True)]
             for label, cells in report.ways_rows],
        ))
    for comparison in report.comparisons:
        tables.append(ExportTable(
            f"{comparison.title}: {scope}",
            [_("Area")] + [column for title, _size in comparison.columns
                           for column in _figure_columns(_("%(line)s, moved up", line=title), True)],
            [[label] + [value for cell, (_title, size) in zip(cells, comparison.columns, strict=True)
                        for value in _figure_cells(cell, size, True)]
             for label, cells in comparison.rows],
        ))
    tables.append(ExportTable(
        _("Activity of the whole organisation"),
        [_("Period")] + [column for _measure, label in report.activity_columns
                         for column in _figure_columns(label, False)],
        [[label] + [value for cell in cells for value in _figure_cells(cell, 0, False)]
         for label, cells in report.activity_rows],
    ))
    return tables


def as_csv(tables: list[ExportTable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([_safe_cell(table.title)])
        writer.writerow([_safe_cell(text) for text in table.header])
        for row in table.rows:
            writer.writerow([_safe_cell(value) for value in row])
    return out.getvalue()


def as_xlsx(tables: list[ExportTable]) -> bytes:
    """One sheet per table, its title in the first row, the header bold."""
    # Imported here, not at the top: openpyxl brings numpy, ≈ 21 MB in every web worker that never exports.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, table in enumerate(tables, start=1):
        sheet = workbook.create_sheet(f"{number} {table.title}"[:31].translate(str.maketrans(":/\\?*[]", "       ")))
        # openpyxl writes a text starting with = as a formula: titles and headers are quoted as the rows are.
        sheet.append([_safe_cell(table.title)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([_safe_cell(text) for text in table.header])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_safe_cell(value) for value in row])
        sheet.column_dimensions["A"].width = 48
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
