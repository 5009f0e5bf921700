"""The skills map's figures, kept in the shared cache per organisation and choice of filters (docs/reports.md).

Computing a report is a few aggregations over every person of the organisation (0.7 s at 5,000 staff), yet its
figures change only when the people or their progress do. So each organisation has a **version** in the shared
cache, replaced whenever something the figures count changes — a self-assessment, a module started or completed,
a badge, a roster read, a merge, an erasure (`figures_changed`, called by the listeners in app/reports/__init__.py)
— and a report is cached under its organisation's version of the moment: after a change nobody reads the old
entries again. Launches are the exception: a busy organisation launches all day, and replacing the version at each
one would leave the map cold for every reader. A launch only adds to the launch counts and may move a person to
another course group, so a cached report lives REPORT_CACHE_SECONDS (10 minutes by default): launches show up
within that time.

The key holds everything that decides the figures and their words: the organisation (every reader of it sees the
same organisation-wide report: docs/reports.md, "Who reads what"), its version, the filters as asked, the current
month (the periods on offer, and "the latest period"), the locale, and a fingerprint of the content the report is
drawn with. What is cached is the report after privacy protection: only figures as the page shows them.
Versions: app/reports/figures_version.py.
"""
from __future__ import annotations

import hashlib
import json

from flask import current_app

from app.learning.content.model import PathModel
from app.reports.figures_version import current_version
from app.reports.periods import Period
from app.reports.population import Group, Population, people_with_course
from app.reports.report import Comparison, Filters, Gap, MapRow, Shown, SkillsReport, skills_report
from app.shared_cache import shared_cache
from app.tenancy.models import Organisation

# Raised when the stored report's shape changes (2: reasons, comparisons, ways): new code never reads old entries.
CACHE_FORMAT = 2


def cached_skills_report(path: PathModel, organisation: Organisation, *, now, locale: str, group=None,
                         granularity=None, period=None, compare=None) -> tuple[SkillsReport, bool]:
    """skills_report, from the shared cache when this organisation's figures have not changed since it was stored.

    Also says whether the report was computed and written to the shared cache (in the current transaction: the
    caller commits it).
    """
    key = "reports:skills-map:" + hashlib.sha256(json.dumps([
        CACHE_FORMAT, organisation.id, current_version(organisation.id), _content_fingerprint(path), locale,
        now.strftime("%Y-%m"), group, granularity, period, compare,
    ]).encode()).hexdigest()
    stored = shared_cache().get(key)
    if stored is not None:
        return _from_json(stored, path, organisation), False
    report = skills_report(path, organisation, now=now, locale=locale, group=group, granularity=granularity,
                           period=period, compare=compare)
    shared_cache().set(key, _to_json(report), ttl=current_app.config["REPORT_CACHE_SECONDS"])
    return report, True


_fingerprint: tuple[PathModel, object, str] | None = None  # the content last fingerprinted in this process


def _content_fingerprint(path: PathModel) -> str:
    """A digest of the path model and the badge catalogue (it names the activity's badge columns), once per loaded copy.

    Content can be reloaded while the app runs, and processes of two deployments may share one cache.
    """
    global _fingerprint
    catalogue = current_app.extensions.get("badge_catalogue")
    if _fingerprint is None or _fingerprint[0] is not path or _fingerprint[1] is not catalogue:
        content = repr((path.levels, path.areas, [(module.id, module.title) for module in path.modules], catalogue))
        _fingerprint = (path, catalogue, hashlib.sha256(content.encode()).hexdigest()[:16])
    return _fingerprint[2]


# --- a report as JSON and back: areas and modules by id, figures as shown ------------------------------------

def _shown(shown: Shown) -> list:
    return [shown.value, shown.state, shown.reason]


def _period(period: Period | None) -> list | None:
    return [period.year, period.kind, period.index] if period else None


def _group(group: Group) -> list:
    return [
        group.key,
        group.title,
        group.size,
        sorted(group.course_ids, key=lambda course_id: (course_id is None, course_id or 0)),
    ]


def _to_json(report: SkillsReport) -> dict:
    filters = report.filters
    return {
        "population": {"groups": [_group(group) for group in report.population.groups], "size": report.population.size},
        "filters": filters
        and {
            "group": filters.group.key if filters.group else None,
            "granularity": filters.granularity,
            "period": _period(filters.period),
            "compare": _period(filters.compare),
            "periods": [_period(period) for period in filters.periods],
        },
        "level_titles": report.level_titles,
        "cap_title": report.cap_title,
        "ways_columns": report.ways_columns,
        "ways_rows": [[label, [_shown(cell) for cell in cells]] for label, cells in report.ways_rows],
        "map_rows": [[row.area.id, [_shown(cell) for cell in row.cells], row.total] for row in report.map_rows],
        "comparisons": [
            [comparison.title, comparison.columns, [[label, [_shown(cell) for cell in cells]]
                                                    for label, cells in comparison.rows]]
            for comparison in report.comparisons
        ],
        "gaps": [
            [gap.area.id, gap.at_practitioner_or_above, [module.id for module in gap.modules], gap.suppressed,
             gap.total] for gap in report.gaps
        ],
        "activity_columns": report.activity_columns,
        "activity_rows": [[label, [_shown(cell) for cell in cells]] for label, cells in report.activity_rows],
    }


def _from_json(data: dict, path: PathModel, organisation: Organisation) -> SkillsReport:
    groups = [Group(key, title, size, set(course_ids)) for key, title, size, course_ids in data["population"]["groups"]]
    population = Population(people_with_course(organisation.id), groups, data["population"]["size"])
    report = SkillsReport(organisation, population, None)
    if data["filters"] is not None:
        stored = data["filters"]
        report.filters = Filters(
            population.group(stored["group"]) if stored["group"] is not None else None, stored["granularity"],
            Period(*stored["period"]), Period(*stored["compare"]) if stored["compare"] else None,
            [Period(*period) for period in stored["periods"]],
        )
    report.level_titles = data["level_titles"]
    report.cap_title = data["cap_title"]
    report.ways_columns = data["ways_columns"]
    report.ways_rows = [(label, [Shown(*cell) for cell in cells]) for label, cells in data["ways_rows"]]
    report.map_rows = [MapRow(path.area(area_id), [Shown(*cell) for cell in cells], total)
                       for area_id, cells, total in data["map_rows"]]
    report.comparisons = [
        Comparison(title, [tuple(column) for column in columns],
                   [(label, [Shown(*cell) for cell in cells]) for label, cells in rows])
        for title, columns, rows in data["comparisons"]
    ]
    report.gaps = [Gap(path.area(area_id), count, [path.module(module_id) for module_id in module_ids], suppressed,
                       total) for area_id, count, module_ids, suppressed, total in data["gaps"]]
    report.activity_columns = [tuple(column) for column in data["activity_columns"]]
    report.activity_rows = [(label, [Shown(*cell) for cell in cells]) for label, cells in data["activity_rows"]]
    return report
