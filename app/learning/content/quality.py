"""How much the scored questions give away: the cueing figures of the answer options and the chance that a random
guesser completes an attempt (docs/content.md, "Cueing figures"). Pure functions over a loaded PathModel;
`flask content check` prints them and bench/assessment.py uses the guesser's chance.

A learner who knows nothing should not pass by a rule of thumb ("the longest answer is right", "the answer in
the middle is right") nor by luck. The figures are computed per locale over every scored version (the activity
and each variant) of every module, with the option texts as that locale shows them; a locale counts a module's
versions only when the module has that translation (English counts every module).
"""
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from app.learning.content.model import DEFAULT_LOCALE, Activity, Module, PathModel, Source, attempt_score

# A rule of thumb ("pick the longest/shortest option") is useless when the right answer is the longest or the
# shortest no more often than the other options are: with three or four options that is 25–33 % of the items;
# 40 % leaves room for a small path without letting the rule pay.
MAX_CORRECT_LONGEST_SHARE = 0.40
MAX_CORRECT_SHORTEST_SHARE = 0.40
# A length strategy may beat blind guessing by at most 10 percentage points: less is noise in a few dozen items,
# more is a strategy worth learning instead of the content.
MAX_STRATEGY_ADVANTAGE = 0.10
# The reverse habit is a cue too: authors who avoid making the right answer the longest or the shortest leave it
# among the middle-length options, and a learner who rules out the longest and the shortest then guesses among two
# of four options. That strategy is bounded like the others (the "inner" score).
# The options are shuffled per attempt, but a keep_place option and the order in the file (which translators and
# reviewers see) should not favour a position either: no position holds more than 40 % of the right answers.
MAX_POSITION_SHARE = 0.40
# Multiple choice: the right options longer on average than the wrong ones in at most 60 % of the items (half is
# what chance gives; a little more is tolerated, a habit of writing the right options more carefully is not).
MAX_MULTI_CORRECT_LONGER_SHARE = 0.60
# … and shorter in at most 60 % too: an author who trims the right options to avoid the first habit teaches
# "tick the short ones".
MAX_MULTI_CORRECT_SHORTER_SHARE = 0.60
# Below this many items a locale's shares are printed but not judged: one item moves a share of a translated
# handful by 20-50 points, and even honest content breaks a 40 % bound by chance in a sample of ten about one time
# in thirteen.
MIN_ITEMS_JUDGED = 20
# A learner who answers every question at random must complete an attempt at most this often: 1 in 20.
MAX_GUESSER_PROBABILITY = Fraction(5, 100)

SINGLE_TYPES = ("single_choice", "scenario")


@dataclass(frozen=True)
class LocaleFigures:
    """The cueing figures of one locale, shares as fractions from 0 to 1."""

    locale: str
    single_items: int  # scored single-choice and scenario versions
    correct_longest: float  # share whose right option is strictly the longest
    correct_shortest: float  # … strictly the shortest
    chance: float  # mean of 1/len(options): what blind guessing scores
    longest_score: float  # expected score of "always pick the longest" (ties split evenly)
    shortest_score: float
    middle_score: float  # "always pick the option of middle length" (the lower median)
    inner_score: float  # "rule out the longest and the shortest, pick at random among the rest"
    position_shares: tuple[float, ...]  # share of right answers at each position in the file (0 = first)
    multi_items: int  # scored multiple-choice versions with right and wrong options
    multi_correct_longer: float  # share whose right options are longer on average than the wrong ones
    multi_correct_shorter: float = 0.0  # … shorter on average

    def breaches(self) -> list[tuple[str, str]]:
        """(what is wrong, how to fix it) for each bound this locale breaks."""
        found = []
        fix_lengths = "make the right answers and the distractors of similar length (or vary which one is longest)"
        if self.single_items >= MIN_ITEMS_JUDGED:
            if self.correct_longest > MAX_CORRECT_LONGEST_SHARE:
                found.append((f"the right answer is the longest option in {_pct(self.correct_longest)} of "
                              f"{self.single_items} single-answer items (at most {_pct(MAX_CORRECT_LONGEST_SHARE)})",
                              fix_lengths))
            if self.correct_shortest > MAX_CORRECT_SHORTEST_SHARE:
                found.append((f"the right answer is the shortest option in {_pct(self.correct_shortest)} of "
                              f"{self.single_items} single-answer items (at most {_pct(MAX_CORRECT_SHORTEST_SHARE)})",
                              fix_lengths))
            for name, score in (("the longest option", self.longest_score),
                                ("the shortest option", self.shortest_score),
                                ("the middle-length option", self.middle_score),
                                ("an option that is neither the longest nor the shortest", self.inner_score)):
                if score > self.chance + MAX_STRATEGY_ADVANTAGE:
                    found.append((f"always picking {name} scores {_pct(score)}, chance is "
                                  f"{_pct(self.chance)} (at most {round(100 * MAX_STRATEGY_ADVANTAGE)} points more)",
                                  fix_lengths if score is not self.inner_score else
                                  "let the right answer be the longest or the shortest option about as often as "
                                  "chance makes it (a quarter of four-option items each)"))
            for position, share in enumerate(self.position_shares):
                if share > MAX_POSITION_SHARE:
                    found.append((f"{_pct(share)} of the right answers are option {position + 1} in the file "
                                  f"(at most {_pct(MAX_POSITION_SHARE)})",
                                  "vary where the right answer is written"))
        if self.multi_items >= MIN_ITEMS_JUDGED and self.multi_correct_longer > MAX_MULTI_CORRECT_LONGER_SHARE:
            found.append((f"the right options of a multiple choice are longer on average than the wrong ones in "
                          f"{_pct(self.multi_correct_longer)} of {self.multi_items} items "
                          f"(at most {_pct(MAX_MULTI_CORRECT_LONGER_SHARE)})", fix_lengths))
        if self.multi_items >= MIN_ITEMS_JUDGED and self.multi_correct_shorter > MAX_MULTI_CORRECT_SHORTER_SHARE:
            found.append((f"the right options of a multiple choice are shorter on average than the wrong ones in "
                          f"{_pct(self.multi_correct_shorter)} of {self.multi_items} items "
                          f"(at most {_pct(MAX_MULTI_CORRECT_SHORTER_SHARE)})", fix_lengths))
        return found

    @property
    def judged(self) -> bool:
        return self.single_items >= MIN_ITEMS_JUDGED or self.multi_items >= MIN_ITEMS_JUDGED

    def summary(self) -> str:
        """One line: the figures, compact."""
        positions = "/".join(_pct(share) for share in self.position_shares) or "-"
        parts = [
            f"{self.locale}: {self.single_items} single-answer items: right answer longest "
            f"{_pct(self.correct_longest)}, shortest {_pct(self.correct_shortest)}",
            f"picking longest {_pct(self.longest_score)}, shortest {_pct(self.shortest_score)}, "
            f"middle {_pct(self.middle_score)}, neither longest nor shortest {_pct(self.inner_score)} vs chance "
            f"{_pct(self.chance)}",
            f"by position {positions}",
            f"{self.multi_items} multiple-choice items: right options longer {_pct(self.multi_correct_longer)}, "
            f"shorter {_pct(self.multi_correct_shorter)}",
        ]
        return "; ".join(parts) + ("" if self.judged else " (too few items to judge)")


@dataclass(frozen=True)
class CuedItem:
    """A single-answer version whose right option is strictly the longest or the shortest, in some locales."""

    module_id: str
    version_id: str
    source: Source  # where the version is written in module.md
    cue: str  # "longest" or "shortest"
    locales: tuple[str, ...]
    files: tuple[str, ...] = field(default=())  # the translation files of those locales, next to module.md


def _pct(share) -> str:
    return f"{round(100 * float(share))} %"


def scored_versions(module: Module) -> Iterator[tuple[Activity, Activity]]:
    """(activity, version) for every version of every scored activity, the activity itself first."""
    for activity in module.activities:
        if activity.is_scored:
            for version in activity.versions:
                yield activity, version


def _modules_in(model: PathModel, locale: str) -> list[Module]:
    return [module for module in model.modules if locale == DEFAULT_LOCALE or locale in module.translations]


def _lengths(version: Activity, locale: str) -> list[int]:
    return [len(option.text.localised(locale)) for option in version.options]


def _pick_score(lengths: Sequence[int], correct: int, chosen_length: int) -> float:
    """Expected score of picking, at random among ties, an option of `chosen_length`."""
    tied = [index for index, length in enumerate(lengths) if length == chosen_length]
    return 1 / len(tied) if correct in tied else 0.0


def _inner_score(lengths: Sequence[int], correct: int) -> float:
    """Expected score of ruling out the options of the longest and of the shortest length and picking at random
    among the rest (all options when nothing would be left)."""
    inner = [index for index, length in enumerate(lengths) if min(lengths) < length < max(lengths)]
    inner = inner or list(range(len(lengths)))
    return 1 / len(inner) if correct in inner else 0.0


def cue_of(version: Activity, locale: str = DEFAULT_LOCALE) -> str | None:
    """"longest" or "shortest" when a single-answer version's right option is strictly that; None otherwise."""
    if version.type not in SINGLE_TYPES or len(version.options) < 2:
        return None
    lengths = _lengths(version, locale)
    correct = [index for index, option in enumerate(version.options) if option.correct]
    if len(correct) != 1 or len(set(lengths)) == 1:
        return None
    mine, others = lengths[correct[0]], lengths[:correct[0]] + lengths[correct[0] + 1:]
    if mine > max(others):
        return "longest"
    if mine < min(others):
        return "shortest"
    return None


def cueing_figures(model: PathModel, locale: str) -> LocaleFigures:
    singles, multis = [], []
    for module in _modules_in(model, locale):
        for _activity, version in scored_versions(module):
            if len(version.options) < 2:
                continue
            (singles if version.type in SINGLE_TYPES else multis).append(version)
    longest = shortest = chance = longest_score = shortest_score = middle_score = inner_score = 0.0
    positions: dict[int, int] = {}
    counted = 0
    for version in singles:
        correct = [index for index, option in enumerate(version.options) if option.correct]
        if len(correct) != 1:
            continue
        counted += 1
        right = correct[0]
        lengths = _lengths(version, locale)
        cue = cue_of(version, locale)
        longest += cue == "longest"
        shortest += cue == "shortest"
        chance += 1 / len(lengths)
        longest_score += _pick_score(lengths, right, max(lengths))
        shortest_score += _pick_score(lengths, right, min(lengths))
        middle_score += _pick_score(lengths, right, sorted(lengths)[(len(lengths) - 1) // 2])
        inner_score += _inner_score(lengths, right)
        positions[right] = positions.get(right, 0) + 1
    multi_longer = multi_shorter = multi_counted = 0
    for version in multis:
        lengths = _lengths(version, locale)
        right = [length for length, option in zip(lengths, version.options, strict=True) if option.correct]
        wrong = [length for length, option in zip(lengths, version.options, strict=True) if not option.correct]
        if not right or not wrong:
            continue
        multi_counted += 1
        multi_longer += sum(right) / len(right) > sum(wrong) / len(wrong)
        multi_shorter += sum(right) / len(right) < sum(wrong) / len(wrong)

    def share(value):
        return value / counted if counted else 0.0

    return LocaleFigures(
        locale=locale, single_items=counted, correct_longest=share(longest), correct_shortest=share(shortest),
        chance=share(chance), longest_score=share(longest_score), shortest_score=share(shortest_score),
        middle_score=share(middle_score), inner_score=share(inner_score),
        position_shares=tuple(share(positions.get(index, 0)) for index in range(max(positions, default=-1) + 1)),
        multi_items=multi_counted, multi_correct_longer=multi_longer / multi_counted if multi_counted else 0.0,
        multi_correct_shorter=multi_shorter / multi_counted if multi_counted else 0.0,
    )


def cued_items(model: PathModel, locales: Iterable[str]) -> list[CuedItem]:
    """Every single-answer version whose right option is strictly the longest or the shortest, one entry per version
    and cue with the locales it shows in (a translation counts only where the module has it)."""
    locales = tuple(locales)
    found = []
    for module in model.modules:
        shown_in = [locale for locale in locales if locale == DEFAULT_LOCALE or locale in module.translations]
        for _activity, version in scored_versions(module):
            cues: dict[str, list[str]] = {}
            for locale in shown_in:
                cue = cue_of(version, locale)
                if cue:
                    cues.setdefault(cue, []).append(locale)
            for cue, cued_locales in cues.items():
                files = tuple(f"module.{locale}.md" for locale in cued_locales if locale != DEFAULT_LOCALE)
                found.append(CuedItem(module.id, version.id, version.source, cue, tuple(cued_locales), files))
    return found


def right_probability(version: Activity) -> Fraction:
    """The chance a random first answer is right: one of the options, or a non-empty set of them (exact match)."""
    count = len(version.options)
    if not count:
        return Fraction(0)
    if version.type == "multiple_choice":
        return Fraction(1, 2 ** count - 1)
    return Fraction(1, count)


def guesser_probability(module: Module) -> Fraction | None:
    """The exact chance that a learner who goes through every section and answers every scored activity at random
    (its version drawn uniformly among its versions) completes one attempt; None without scored activities.

    Dynamic programming over the scored activities: the distribution of the number of right first answers.
    """
    scored = [activity for activity in module.activities if activity.is_scored]
    if not scored:
        return None
    minimum = module.completion.min_score
    if minimum is None:
        return Fraction(1)
    distribution = [Fraction(1)]  # distribution[k]: chance of k right answers so far
    for activity in scored:
        versions = activity.versions
        right = sum((right_probability(version) for version in versions), Fraction(0)) / len(versions)
        following = [Fraction(0)] * (len(distribution) + 1)
        for count, chance in enumerate(distribution):
            following[count] += chance * (1 - right)
            following[count + 1] += chance * right
        distribution = following
    return sum((chance for count, chance in enumerate(distribution)
                if attempt_score(count, len(scored)) >= minimum), Fraction(0))


def guesser_breaches(model: PathModel) -> list[tuple[Module, Fraction]]:
    """The modules a random guesser completes more often than MAX_GUESSER_PROBABILITY."""
    found = []
    for module in model.modules:
        chance = guesser_probability(module)
        if chance is not None and chance > MAX_GUESSER_PROBABILITY:
            found.append((module, chance))
    return found
