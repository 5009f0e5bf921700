"""Server-side SVG charts: geometry only; templates/reports/_charts.html draws it (escaped, no script, no CDN).

Each chart is decoration beside a table that carries the same figures, so a screen reader reads the table;
the SVG has a title and says so. Suppressed figures are drawn hatched, never as a length or a shade. Labels
are wrapped onto several lines, never cut: an area's full name is what a manager recognises.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

from flask_babel import format_percent

from app.reports import privacy

CELL_WIDTH, CELL_HEIGHT, LABEL_WIDTH = 92, 30, 260
LINE_HEIGHT = 15
ROW_CHARACTERS, COLUMN_CHARACTERS = 32, 12  # what fits in LABEL_WIDTH and CELL_WIDTH at the chart's font size
BAR_HEIGHT, BAR_GAP, BAR_MAX = 22, 8, 360


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int
    shade: float | None  # 0..1 of the darkest colour; None: suppressed (hatched)
    text: str
    muted: bool = False  # "not started": drawn in grey, so the levels reached stand out


@dataclass(frozen=True)
class Label:
    x: int
    y: int
    lines: tuple[str, ...]
    anchor: str = "start"

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    labels: list[Label]


def wrap(text: str, width: int) -> tuple[str, ...]:
    """The whole text on as many lines as it needs (a word longer than a line keeps its own line)."""
    return tuple(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or ("",)


def cell_text(cell, total: int, percent: bool) -> str:
    """What a cell says: its number, its share of the line's people (published figures only), or the mark."""
    if percent and cell.state == privacy.PUBLISHED and total:
        return format_percent(cell.value / total)
    return cell.text


def heatmap(row_labels: list[str], column_labels: list[str], rows: list[list], totals: list[int], *,
            percent: bool = False, muted_columns: tuple[int, ...] = (0,)) -> Chart:
    """Areas × levels, each cell shaded by its share of the row's people; "not started" muted."""
    rects, labels = [], []
    headers = [wrap(title, COLUMN_CHARACTERS) for title in column_labels]
    header_height = LINE_HEIGHT * max((len(lines) for lines in headers), default=1) + 14
    for column, lines in enumerate(headers):
        labels.append(Label(LABEL_WIDTH + column * CELL_WIDTH + CELL_WIDTH // 2,
                            header_height - 10 - LINE_HEIGHT * (len(lines) - 1), lines, "middle"))
    y = header_height
    for title, cells, total in zip(row_labels, rows, totals, strict=True):
        lines = wrap(title, ROW_CHARACTERS)
        height = max(CELL_HEIGHT, LINE_HEIGHT * len(lines) + 10)
        labels.append(Label(LABEL_WIDTH - 8, y + height // 2 + 5 - LINE_HEIGHT * (len(lines) - 1) // 2, lines, "end"))
        for column, cell in enumerate(cells):
            shade = None if cell.state != privacy.PUBLISHED else (cell.value / total if total else 0)
            rects.append(Rect(LABEL_WIDTH + column * CELL_WIDTH, y, CELL_WIDTH - 2, height - 2, shade,
                              cell_text(cell, total, percent), column in muted_columns))
        y += height
    return Chart(LABEL_WIDTH + len(column_labels) * CELL_WIDTH, y, rects, labels)


def bars(row_labels: list[str], values: list, totals: list[int] | None = None, *, percent: bool = False) -> Chart:
    """One horizontal bar per row, its length proportional to the largest shown figure."""
    largest = max((value.value for value in values if value.state == privacy.PUBLISHED and value.value), default=1)
    totals = totals or [0] * len(values)
    rects, labels = [], []
    y = 0
    for title, value, total in zip(row_labels, values, totals, strict=True):
        lines = wrap(title, ROW_CHARACTERS)
        height = max(BAR_HEIGHT, LINE_HEIGHT * len(lines) + 6)
        middle = y + height // 2 + 5
        labels.append(Label(LABEL_WIDTH - 8, middle - LINE_HEIGHT * (len(lines) - 1) // 2, lines, "end"))
        text = cell_text(value, total, percent)
        if value.state == privacy.PUBLISHED:
            width = max(round(BAR_MAX * value.value / largest), 1 if value.value else 0)
            rects.append(Rect(LABEL_WIDTH, y, width, height, 1.0, text))
            labels.append(Label(LABEL_WIDTH + width + 6, middle, (text,)))
        else:
            rects.append(Rect(LABEL_WIDTH, y, 40, height, None, text))
            labels.append(Label(LABEL_WIDTH + 46, middle, (text,)))
        y += height + BAR_GAP
    return Chart(LABEL_WIDTH + BAR_MAX + 120, y, rects, labels)
