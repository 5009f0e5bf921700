"""Scored questions that mean something (issue 23): the answer options give nothing away by their length or place,
and a learner answering at random completes an attempt at most one time in twenty (docs/content.md, "Cueing
figures")."""
from fractions import Fraction

import pytest

from app.config import PROJECT_ROOT
from app.learning.content import load_content
from app.learning.content.model import Activity, CompletionRule, Module, Option, PathModel, Section, english
from app.learning.content.quality import (
    MAX_GUESSER_PROBABILITY,
    cue_of,
    cued_items,
    cueing_figures,
    guesser_probability,
)

pytestmark = pytest.mark.sqlite

SHIPPED = PROJECT_ROOT / "modules"


def question(activity_id, *texts, right=0, kind="single_choice", variants=()):
    """A question whose options have these texts; `right` is the index (or indexes) of the right ones."""
    rights = {right} if isinstance(right, int) else set(right)
    options = tuple(
        Option(f"o{index}", english(text), index in rights, english("")) for index, text in enumerate(texts)
    )
    return Activity(activity_id, kind, english("?"), options, variants=tuple(variants))


def module_of(*activities, min_score=80, module_id="m"):
    return Module(module_id, english("M"), "mobility", "rookie", 10, (), CompletionRule(True, min_score),
                  (Section("s", english("S"), english(""), tuple(activities)),))


def path_of(*modules):
    return PathModel(levels=(), areas=(), modules=tuple(modules))


# --- which item is cued ------------------------------------------------------------------------------------

def test_an_item_is_cued_when_its_right_answer_is_strictly_the_longest_or_the_shortest():
    assert cue_of(question("q", "the right and long one", "short", "brief")) == "longest"
    assert cue_of(question("q", "ok", "a wrong answer", "another wrong one")) == "shortest"
    assert cue_of(question("q", "middle one", "short", "the longest wrong one")) is None
    assert cue_of(question("q", "same", "same", "same")) is None  # options that do not differ give nothing away
    assert cue_of(question("q", "tied long", "tied long", "x")) is None  # tied for longest: not strictly


# --- the figures per locale --------------------------------------------------------------------------------

def test_the_figures_count_every_version_and_split_ties_between_the_tied_options():
    balanced = question("q1", "aaaa", "bb", "cccccc", right=0, variants=[
        question("q1.v2", "aaaaaa", "bb", "cccc", right=0),  # right one longest
        question("q1.v3", "aa", "bbbb", "cccc", right=1),  # tied longest with c: picking the longest scores 1/2
    ])
    figures = cueing_figures(path_of(module_of(balanced)), "en")

    assert figures.single_items == 3
    assert figures.correct_longest == pytest.approx(1 / 3)
    assert figures.longest_score == pytest.approx((0 + 1 + 0.5) / 3)
    assert figures.middle_score == pytest.approx((1 + 0 + 0.5) / 3)
    assert figures.chance == pytest.approx(1 / 3)
    assert figures.position_shares == pytest.approx((2 / 3, 1 / 3))


def test_twenty_items_with_the_right_answer_longest_break_the_bounds_and_say_how_to_fix_it():
    cued = [question(f"q{n}", "the long right answer", "no", "nope") for n in range(20)]

    breaches = cueing_figures(path_of(module_of(*cued)), "en").breaches()

    messages = [message for message, _ in breaches]
    assert "the right answer is the longest option in 100 % of 20 single-answer items (at most 40 %)" in messages
    assert "always picking the longest option scores 100 %, chance is 33 % (at most 10 points more)" in messages
    assert "100 % of the right answers are option 1 in the file (at most 40 %)" in messages
    assert all(fix for _, fix in breaches)


def test_items_whose_right_answer_is_never_the_longest_or_the_shortest_cue_it_by_ruling_those_out():
    # the habit of an author who avoids the longest-answer cue: the right answer always sits between the extremes
    inner = [question(f"q{n}", "the right one", "no", "a wrong one here", "the other wrong one", right=0)
             for n in range(20)]

    figures = cueing_figures(path_of(module_of(*inner)), "en")

    assert (figures.correct_longest, figures.correct_shortest) == (0, 0)
    assert figures.inner_score == pytest.approx(0.5)  # two options left of four, one of them right
    [(message, fix)] = [(message, fix) for message, fix in figures.breaches() if "neither" in message]
    assert message == ("always picking an option that is neither the longest nor the shortest scores 50 %, chance is "
                       "25 % (at most 10 points more)")
    assert fix.startswith("let the right answer be the longest or the shortest option")


def test_ruling_out_the_extremes_picks_among_all_options_when_nothing_else_is_left():
    figures = cueing_figures(path_of(module_of(question("q", "same", "same", right=1),
                                               question("q2", "aa", "b", "cccc", right=2))), "en")

    assert figures.inner_score == pytest.approx((1 / 2 + 0) / 2)


def test_a_handful_of_items_is_shown_but_not_judged():
    figures = cueing_figures(path_of(module_of(question("q", "the long right answer", "no", "nope"))), "en")

    assert figures.correct_longest == 1.0
    assert figures.breaches() == []
    assert "too few items to judge" in figures.summary()


def test_multiple_choice_counts_items_whose_right_options_are_longer_on_average():
    longer = [question(f"q{n}", "a long right option", "another long right one", "no", "nah", right=(0, 1),
                       kind="multiple_choice") for n in range(20)]

    figures = cueing_figures(path_of(module_of(*longer)), "en")

    assert (figures.multi_items, figures.multi_correct_longer) == (20, 1.0)
    assert any("multiple choice are longer on average" in message for message, _ in figures.breaches())


def test_multiple_choice_counts_items_whose_right_options_are_shorter_on_average_too():
    shorter = [question(f"q{n}", "short", "brief", "a much longer wrong option", "another long wrong one",
                        right=(0, 1), kind="multiple_choice") for n in range(20)]

    figures = cueing_figures(path_of(module_of(*shorter)), "en")

    assert (figures.multi_correct_longer, figures.multi_correct_shorter) == (0.0, 1.0)
    assert ("the right options of a multiple choice are shorter on average than the wrong ones in 100 % of 20 items "
            "(at most 60 %)") in [message for message, _ in figures.breaches()]


def test_a_locale_counts_only_the_modules_translated_into_it():
    translated = question("q", "right", "wrong one", "wrong two")
    translated = Activity("q", "single_choice", english("?"), tuple(
        Option(option.id, option.text.with_locale("fi", text), option.correct, english(""))
        for option, text in zip(translated.options, ["oikea vastaus pitkä", "väärä", "ei"], strict=True)
    ))
    finnish = Module("fi-m", english("M"), "mobility", "rookie", 10, (), CompletionRule(True, 80),
                     (Section("s", english("S"), english(""), (translated,)),), translations=("fi",))
    english_only = module_of(question("q", "right", "wrong one", "wrong two"), module_id="en-m")
    model = path_of(finnish, english_only)

    assert cueing_figures(model, "en").single_items == 2
    assert cueing_figures(model, "fi").single_items == 1
    assert cueing_figures(model, "fi").correct_longest == 1.0  # the Finnish texts, not the English ones
    assert [(item.module_id, item.cue, item.locales, item.files) for item in cued_items(model, ["en", "fi"])] == [
        ("fi-m", "shortest", ("en",), ()), ("fi-m", "longest", ("fi",), ("module.fi.md",)),
        ("en-m", "shortest", ("en",), ())]


# --- the random guesser ------------------------------------------------------------------------------------

def test_the_guesser_chance_is_exact_over_versions_and_answer_kinds():
    two_options = question("a", "yes", "no")
    three_or_two = question("b", "x", "y", "z", variants=[question("b.v2", "x", "y")])  # right: (1/3 + 1/2) / 2
    multiple = question("c", "p", "q", "r", right=(0, 1), kind="multiple_choice")  # one of 7 non-empty sets

    # 80 % of three: all three right.
    assert guesser_probability(module_of(two_options, three_or_two, multiple)) == (
        Fraction(1, 2) * Fraction(5, 12) * Fraction(1, 7))
    # 50 % of two: at least one right (round(100 * 1 / 2) = 50).
    assert guesser_probability(module_of(two_options, three_or_two, min_score=50)) == (
        1 - Fraction(1, 2) * Fraction(7, 12))


def test_a_module_without_scored_activities_has_no_guesser_chance_and_one_without_a_minimum_is_certain():
    reflection = Activity("r", "reflection", english("Think."))

    assert guesser_probability(module_of(reflection)) is None
    assert guesser_probability(module_of(question("q", "a", "b"), min_score=None)) == 1


def test_every_shipped_module_keeps_the_guesser_under_five_percent():
    model = load_content(SHIPPED).model

    chances = {module.id: guesser_probability(module) for module in model.modules}

    assert all(chance is None or chance <= MAX_GUESSER_PROBABILITY for chance in chances.values()), chances


# --- flask content check -----------------------------------------------------------------------------------

def test_check_warns_on_each_cued_item_with_its_file_and_line_and_fails_with_strict(runner, content_dir):
    directory = content_dir("cued")

    relaxed = runner.invoke(args=["content", "check", "--dir", str(directory)])
    strict = runner.invoke(args=["content", "check", "--strict", "--dir", str(directory)])

    assert relaxed.exit_code == 0, relaxed.output
    assert (f"{directory}/cued/module.md:20: warning: the right answer of 'q1' is the longest option in en — rewrite "
            "an option so length gives nothing away") in relaxed.output
    variant = f"{directory}/cued/module.md:35: warning: the right answer of 'q1.v2' is the longest option"
    assert variant in relaxed.output
    assert "  en: 20 single-answer items: right answer longest 100 %" in relaxed.output
    assert (f"{directory}: warning: cueing (en): the right answer is the longest option in 100 % of 20 "
            "single-answer items (at most 40 %)") in relaxed.output
    assert strict.exit_code == 1
    assert (f"{directory}: error: cueing (en): the right answer is the longest option in 100 % of 20 "
            "single-answer items (at most 40 %)") in strict.output
    assert f"{directory}/cued/module.md:20: warning: the right answer of 'q1'" in strict.output


def test_check_flags_a_module_a_guesser_completes_too_often(runner, content_dir):
    directory = content_dir("cued")
    module_file = directory / "cued" / "module.md"  # four questions of three options; half of them right is enough
    module_file.write_text(module_file.read_text().replace("min_score: 80", "min_score: 50"))

    relaxed = runner.invoke(args=["content", "check", "--dir", str(directory)])
    strict = runner.invoke(args=["content", "check", "--strict", "--dir", str(directory)])

    # At least two of four right at 1/3 each: 1 - (2/3)^4 - 4 (1/3) (2/3)^3 = 33/81.
    expected = ("cued/module.md:9: {}: module 'cued': a random guesser completes an attempt with probability 40.7% "
                "(at most 5%) — add scored activities or options, or raise `min_score`")
    assert f"{directory}/{expected.format('warning')}" in relaxed.output
    assert f"{directory}/{expected.format('error')}" in strict.output and strict.exit_code == 1


def test_check_prints_the_figures_of_the_shipped_modules_per_locale_and_passes_strict(runner):
    result = runner.invoke(args=["content", "check", "--strict", "--dir", str(SHIPPED)])

    assert result.exit_code == 0, result.output
    figure_lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0].strip() for line in figure_lines] == ["en", "fi", "et", "it", "nl", "es"]
    assert "cueing (" not in result.output and "random guesser" not in result.output


def test_stats_shows_the_guesser_chance_per_module(runner, content_dir):
    result = runner.invoke(args=["content", "stats", "--dir", str(content_dir("good"))])

    lines = result.output.splitlines()
    column = lines[0].split().index("guess")
    # One question of two options, 80 % needed: a guesser completes half the time.
    assert next(line for line in lines if line.startswith("first-steps")).split()[column] == "50.0%"
