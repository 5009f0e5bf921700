"""Server-side SVG charts: geometry only; templates/reports/_charts.html draws it (escaped, no script, no CDN).

Each chart is decoration beside a table that carries the same figures, so a screen reader reads the table;
the SVG has a title and says so. Suppressed figures are drawn hatched, never as a length or a shade.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.reports import privacy

CELL_WIDTH, CELL_HEIGHT, LABEL_WIDTH, HEADER_HEIGHT = 92, 30, 260, 44
BAR_HEIGHT, BAR_GAP, BAR_MAX = 22, 8, 360


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int
    shade: float | None  # 0..1 of the darkest colour; None: suppressed (hatched)
    text: str


@dataclass(frozen=True)
class Label:
    x: int
    y: int
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    labels: list[Label]


def heatmap(row_labels: list[str], column_labels: list[str], rows: list[list], totals: list[int]) -> Chart:
    """Areas × levels, each cell shaded by its share of the row's people."""
    rects, labels = [], []
    for column, title in enumerate(column_labels):
        labels.append(Label(LABEL_WIDTH + column * CELL_WIDTH + CELL_WIDTH // 2, HEADER_HEIGHT - 12, title, "middle"))
    for index, (title, cells, total) in enumerate(zip(row_labels, rows, totals, strict=True)):
        y = HEADER_HEIGHT + index * CELL_HEIGHT
        labels.append(Label(LABEL_WIDTH - 8, y + CELL_HEIGHT // 2 + 5, _shorten(title, 30), "end"))
        for column, cell in enumerate(cells):
            shade = None if cell.state != privacy.PUBLISHED else (cell.value / total if total else 0)
            rects.append(Rect(LABEL_WIDTH + column * CELL_WIDTH, y, CELL_WIDTH - 2, CELL_HEIGHT - 2, shade, cell.text))
    return Chart(LABEL_WIDTH + len(column_labels) * CELL_WIDTH, HEADER_HEIGHT + len(rows) * CELL_HEIGHT, rects, labels)


def bars(row_labels: list[str], values: list) -> Chart:
    """One horizontal bar per row, its length proportional to the largest shown figure."""
    largest = max((value.value for value in values if value.state == privacy.PUBLISHED and value.value), default=1)
    rects, labels = [], []
    for index, (title, value) in enumerate(zip(row_labels, values, strict=True)):
        y = index * (BAR_HEIGHT + BAR_GAP)
        labels.append(Label(LABEL_WIDTH - 8, y + BAR_HEIGHT // 2 + 5, _shorten(title, 30), "end"))
        if value.state == privacy.PUBLISHED:
            width = max(round(BAR_MAX * value.value / largest), 1 if value.value else 0)
            rects.append(Rect(LABEL_WIDTH, y, width, BAR_HEIGHT, 1.0, value.text))
            labels.append(Label(LABEL_WIDTH + width + 6, y + BAR_HEIGHT // 2 + 5, value.text))
        else:
            rects.append(Rect(LABEL_WIDTH, y, 40, BAR_HEIGHT, None, value.text))
            labels.append(Label(LABEL_WIDTH + 46, y + BAR_HEIGHT // 2 + 5, value.text))
    return Chart(LABEL_WIDTH + BAR_MAX + 120, len(values) * (BAR_HEIGHT + BAR_GAP), rects, labels)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
