"""The modules an instructor browses in the picker: filtered by area, level and language, searched by title and
outcomes."""
import unicodedata
from dataclasses import dataclass

from app.learning.content.model import Area, Level, Module, PathModel


@dataclass(frozen=True)
class Search:
    """What the instructor asked for; unknown area or level ids are kept so the page can say so."""

    query: str = ""
    area_id: str = ""
    level_id: str = ""
    language: str = ""  # only modules a reader of this language gets in it ("" or an unknown code: all)

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or self.area_id or self.level_id or self.language)


@dataclass(frozen=True)
class LevelGroup:
    level: Level
    modules: tuple[Module, ...]


@dataclass(frozen=True)
class AreaGroup:
    area: Area
    levels: tuple[LevelGroup, ...]


@dataclass(frozen=True)
class Catalogue:
    """The modules found, grouped by area then level in the path's order, and what of the search was not understood."""

    groups: tuple[AreaGroup, ...]
    unknown_area: str | None = None
    unknown_level: str | None = None

    @property
    def modules(self) -> tuple[Module, ...]:
        return tuple(module for group in self.groups for level in group.levels for module in level.modules)


MAX_QUERY_LENGTH = 200


def normalised(text: str) -> str:
    """Case- and accent-insensitive form, so "Movilidad" finds "movilidad" and "tutustu" finds "Tutustu"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _searchable_text(module: Module, locale: str) -> str:
    """The title and outcomes in the page's language and in English (what the instructor may type either way)."""
    texts = [module.title.localised(locale), module.title.english]
    for outcome in module.outcomes:
        texts += [outcome.localised(locale), outcome.english]
    return normalised(" ".join(texts))


def matches(module: Module, query: str, locale: str) -> bool:
    """Every word of the query appears in the module's title or outcomes."""
    words = normalised(query).split()
    haystack = _searchable_text(module, locale)
    return all(word in haystack for word in words)


def find_modules(path: PathModel, search: Search, *, locale: str) -> Catalogue:
    """The path's modules that match the search, grouped by area and level in the order the path defines."""
    query = search.query[:MAX_QUERY_LENGTH]
    area = path.area(search.area_id) if search.area_id else None
    level = path.level(search.level_id) if search.level_id else None
    areas = (area,) if area else path.areas
    levels = (level,) if level else path.levels
    groups = []
    for each_area in areas:
        level_groups = []
        for each_level in levels:
            found = tuple(module for module in path.modules_for(each_area.id, each_level.id)
                          if matches(module, query, locale) and (not search.language or module.is_in(search.language)))
            if found:
                level_groups.append(LevelGroup(each_level, found))
        if level_groups:
            groups.append(AreaGroup(each_area, tuple(level_groups)))
    return Catalogue(
        tuple(groups),
        unknown_area=search.area_id if search.area_id and area is None else None,
        unknown_level=search.level_id if search.level_id and level is None else None,
    )
