"""The skills map's tables as files: CSV, and XLSX through openpyxl. The same figures and words as the page.

Suppressed figures are written as the page writes them ("fewer than 5", "hidden"), never as numbers.
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
    rows: list[list]  # ints for shown figures, text otherwise


def _cell(shown):
    return shown.value if shown.state == "published" else shown.text


def report_tables(report: SkillsReport, locale: str) -> list[ExportTable]:
    """The tables of the page, in its order: the map, the movement (when compared), the activity."""
    filters = report.filters
    scope = filters.group.title if filters.group else _("Whole organisation")
    tables = [ExportTable(
        _("Skills map at the end of %(period)s: %(scope)s", period=filters.period.slug, scope=scope),
        [_("Area")] + report.level_titles + [_("People")],
        [[row.area.localised(locale)] + [_cell(cell) for cell in row.cells] + [row.total] for row in report.map_rows],
    )]
    if report.movement:
        tables.append(ExportTable(
            _("Moved up at least one level from %(start)s to %(end)s: %(scope)s",
              start=filters.compare.slug, end=filters.period.slug, scope=scope),
            [_("Area"), _("Moved up"), _("People")],
            [[area.localised(locale), _cell(up), total] for area, up, total in report.movement],
        ))
    tables.append(ExportTable(
        _("Activity of the whole organisation"),
        [_("Period")] + [label for _measure, label in report.activity_columns],
        [[label] + [_cell(cell) for cell in cells] for label, cells in report.activity_rows],
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
