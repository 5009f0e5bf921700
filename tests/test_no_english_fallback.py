"""The package in the partners' languages (docs/translation.md): every page a learner, an instructor and an
organisation admin open, every section of every module, an earned badge's page and every demonstrated badge's brief,
rendered in each partner language (with the issuer's page an earner's badge links to),
shows no English text where a translation belongs: no sentence of the interface's English, and no English title
or question of a module.

English that stays on purpose is not a sentence of the catalog (names such as REX VET Path, Erasmus+, Europass)
or is content a module keeps in English as its subject (the sample phrases of working in English), which this test
does not look for."""
import html
import re

import pytest
from babel.messages.pofile import read_po

from app.badges.awarding import awards_of
from app.badges.catalogue import badge_catalogue
from app.config import PROJECT_ROOT
from tests.support.badges import complete_module

pytestmark = pytest.mark.sqlite

LOCALES = ["fi", "et", "it", "nl", "es"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|<[^>]+>|\{[^}]*\}|&\w+;")


def english_sentences_of_the_interface(locale: str) -> set[str]:
    """The English of every catalog entry, cut at its placeholders and markup into runs of 4 words or more that the
    translation does not itself contain (a term kept in English, such as "Open Badges 3.0", is allowed)."""
    with open(PROJECT_ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=locale)
    found = set()
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = " ".join(text for text in (message.string if isinstance(message.string, tuple)
                                                else (message.string,)) if text)
        for text in english:
            for fragment in PLACEHOLDER.split(text):
                fragment = fragment.strip(" .,:;()“”\"'’‘…-–·")
                if len(fragment.split()) >= 4 and fragment not in translated:
                    found.add(fragment)
    return found


def visible_text(response) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def english_in(text: str, phrases) -> list[str]:
    return sorted(phrase for phrase in phrases if phrase in text)


def module_english(module, section, locale: str) -> set[str]:
    """A section's English title and question prompts, where the module's translation has its own."""
    texts = [(section.title.english, section.title.localised(locale))]
    texts += [(activity.prompt.english, activity.prompt.localised(locale)) for activity in section.activities]
    return {english for english, localised in texts if english != localised and len(english.split()) >= 3}


@pytest.fixture(scope="module")
def interface_english():
    return {locale: english_sentences_of_the_interface(locale) for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_learner_reads_the_path_self_assessment_every_module_and_their_badges_in_their_language(
        app, client, clock, launch_as, locale, interface_english):
    launch = launch_as("learner", locale=locale)
    complete_module(app, launch, "erasmus-plus-for-vet", now=clock.now())  # a badge earned: its page, My badges
    [award] = awards_of(launch.organisation_id, launch.person_id)
    path = app.extensions["path_model"]
    catalogue = badge_catalogue(app)

    leftovers = {}
    award_page = client.get(f"/badges/awards/{award.public_id}").get_data(as_text=True)
    issuer_url = re.search(r'href="(?:https?://[^/"]+)?(/badges/issuers/[^/"?#]+)"', award_page).group(1)
    for url in ["/", "/self-assessment", "/badges/mine", f"/badges/awards/{award.public_id}",
                "/modules/erasmus-plus-for-vet/summary", issuer_url]:
        response = client.get(url, headers={"Accept": "text/html"})  # the issuer's page, not its JSON profile
        assert (response.status_code, response.mimetype) == (200, "text/html"), url
        leftovers[url] = english_in(visible_text(response), interface_english[locale])
    for module in path.modules:
        for section in module.sections:
            url = f"/modules/{module.id}/sections/{section.id}"
            text = visible_text(client.get(url))
            leftovers[url] = english_in(text, interface_english[locale] | module_english(module, section, locale))
    for badge in catalogue.demonstrated:
        url = f"/badges/work/{badge.id}"
        leftovers[url] = english_in(visible_text(client.get(url)), interface_english[locale])

    assert {url: found for url, found in leftovers.items() if found} == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_an_instructor_and_an_organisation_admin_read_their_pages_in_their_language(
        client, launch_as, locale, interface_english):
    instructor = launch_as("instructor", locale=locale)
    pages = [f"/courses/{instructor.course_id}/dashboard", "/badges/work/reviewers", "/badges/work/reviews"]
    leftovers = {url: english_in(visible_text(client.get(url)), interface_english[locale]) for url in pages}
    launch_as("organisation admin", locale=locale)
    for url in ["/organisation/sites", "/organisation/people", "/organisation/issuer", "/organisation/badges",
                "/reports/skills-map", "/reports/people"]:
        leftovers[url] = english_in(visible_text(client.get(url)), interface_english[locale])

    assert {url: found for url, found in leftovers.items() if found} == {}
