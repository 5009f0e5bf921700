"""A badge is also a micro-credential (Council Recommendation 2022/C 243/02): an employer reading it learns the
outcomes, the workload, how it was assessed and supervised, what it needs first and stacks into, its quality
assurance and EQF level, who awarded it where and when; a demonstrated badge also shows each criterion met.
The same facts are in the OB 3.0 Achievement (valid against 1EdTech's schema) and the OB 2.0 BadgeClass."""
import json

import pytest
from jsonschema import Draft201909Validator

from app.badges import ob2, ob3
from app.badges.awarding import award_badge
from app.badges.catalogue import badge_catalogue, facts_of
from app.badges.credentials import issuer_of
from app.badges.facts import badge_facts
from app.badges.loader import load_badges
from app.config import UnsafeConfiguration, country_code
from app.extensions import db
from app.learning.content.model import Activity, CompletionRule, Module, PathModel, Section, english
from tests.support.badges import SPEC, mobility_plan_yaml, participation_yaml, write_badges
from tests.support.content import small_path

pytestmark = pytest.mark.sqlite

SCHEMA = json.loads((SPEC / "ob_v3p0_achievementcredential_schema.json").read_text())
ACHIEVEMENT_SCHEMA = {**SCHEMA, "$ref": "#/$defs/Achievement"}
ACHIEVEMENT_SCHEMA.pop("required", None), ACHIEVEMENT_SCHEMA.pop("properties", None)


def words(count: int) -> str:
    return " ".join(["word"] * count)


def module(module_id, area, level, *, words_per_section=(), reflections=0, min_score=None) -> Module:
    sections = [Section(f"s{n}", english(f"Section {n}"), english(words(count)))
                for n, count in enumerate(words_per_section, start=1)]
    if reflections:
        prompts = tuple(Activity(f"r{n}", "reflection", english("What would you do?")) for n in range(reflections))
        sections.append(Section("reflect", english("Reflect"), english(""), prompts))
    return Module(module_id, english(f"Module {module_id}"), area, level, minutes=15,
                  outcomes=(english("An outcome."),), completion=CompletionRule(min_score=min_score),
                  sections=tuple(sections))


@pytest.fixture
def path() -> PathModel:
    """The small path with modules of known length: 1500 words read in 10 minutes, a reflection takes 3."""
    base = small_path()
    return PathModel(levels=base.levels, areas=base.areas, modules=(
        module("mobility-basics", "mobility", "rookie", words_per_section=(900, 600), reflections=2, min_score=80),
        module("mobility-abroad", "mobility", "explorer", words_per_section=(3000,), min_score=80),
        module("mobility-guide", "mobility", "practitioner", words_per_section=(150,), min_score=70),
        module("languages-email", "languages", "rookie", words_per_section=(4500,)),
    ))


@pytest.fixture
def catalogue(app, tmp_path, path):
    files = {
        "basics.yaml": participation_yaml("basics", "{type: module_completed, module: mobility-basics}",
                                          eqf_level=5),
        "mobility-rookie.yaml": participation_yaml(
            "mobility-rookie", "{type: area_level_completed, area: mobility, level: rookie}"),
        "rookie.yaml": participation_yaml("rookie", "{type: level_in_areas, level: rookie, areas: 1}"),
        "whole-path.yaml": participation_yaml("whole-path", "{type: path_completed}"),
        "guide.yaml": participation_yaml("guide", "{type: module_completed, module: mobility-guide}"),
        "plan.yaml": mobility_plan_yaml("plan", "{type: module_completed, module: mobility-abroad}", expected_hours=3),
    }
    catalogue, problems = load_badges(write_badges(tmp_path / "b", files), path)
    assert not problems.errors, [problem.format() for problem in problems.errors]
    return catalogue


def facts(catalogue, path, badge_id):
    return badge_facts(catalogue.badge(badge_id), path, catalogue)


# --- the derived facts ------------------------------------------------------------------------------------------


def test_the_workload_is_the_reading_time_of_the_modules_a_participation_badge_rests_on_rounded_up_to_the_half_hour(
        catalogue, path):
    basics = facts(catalogue, path, "basics")  # 1500 words: 10 min, two reflections: 6 min → 16 min
    assert [module.id for module in basics.modules] == ["mobility-basics"]
    assert basics.reading_hours == basics.workload_hours == 0.5
    whole = facts(catalogue, path, "whole-path")  # 16 + 20 + 1 + 30 = 67 min → 1.5 h
    assert whole.workload_hours == 1.5
    assert whole.workload.english == "1.5 h"


def test_a_level_in_areas_badge_rests_on_the_fewest_modules_that_meet_its_rule(catalogue, path):
    rookie = facts(catalogue, path, "rookie")  # either rookie cell meets it: one module each, the first in path order
    assert len(rookie.modules) == 1


def test_a_demonstrated_badge_adds_the_briefs_expected_hours_to_its_prerequisite_modules(catalogue, path):
    plan = facts(catalogue, path, "plan")  # 3000 words: 20 min → 0.5 h, and the brief's 3 hours
    assert [module.id for module in plan.modules] == ["mobility-abroad"]
    assert (plan.reading_hours, plan.workload_hours) == (0.5, 3.5)


def test_the_type_of_assessment_names_the_quiz_threshold_or_the_review(catalogue, path):
    assert facts(catalogue, path, "basics").assessment.english == (
        "automatic quiz: first answers count, at least 80 % right")
    assert facts(catalogue, path, "mobility-rookie").assessment.english == (
        "automatic quiz: first answers count, at least 80 % right")
    assert "at least 70–80 % right depending on the module" in facts(catalogue, path, "whole-path").assessment.english
    assert facts(catalogue, path, "plan").assessment.english == (
        "artefact reviewed by a named colleague against the criteria")


def test_supervision_prerequisites_eqf_level_and_the_stated_facts(catalogue, path):
    basics, plan = facts(catalogue, path, "basics"), facts(catalogue, path, "plan")
    assert basics.supervision.english == "unsupervised; identity from the LMS login"
    assert basics.prerequisites is None
    assert plan.prerequisites.english == "the module “Module mobility-abroad” completed"
    assert (basics.eqf_level, plan.eqf_level) == (5, None)
    assert [outcome.english for outcome in basics.outcomes] == [
        "The earner can plan a learner mobility.", "The earner can explain Erasmus+ funding."]
    assert basics.participation.localised("fi") == "Verkossa, omaan tahtiin, yksin."
    assert basics.quality_assurance.english == "Reviewed yearly by the REX VET partners."


def test_a_badge_counts_towards_the_badges_whose_rules_count_the_modules_it_rests_on(catalogue, path):
    counted = {badge.id for badge in facts(catalogue, path, "basics").counts_towards}
    assert counted == {"mobility-rookie", "rookie", "whole-path"}  # not itself, not the guide badge
    assert {badge.id for badge in facts(catalogue, path, "plan").counts_towards} == {"whole-path"}


def test_the_derived_sentences_are_texts_in_every_language_of_the_installation(app, catalogue, path):
    basics = facts(catalogue, path, "basics")
    for text in (basics.workload, basics.assessment, basics.supervision):
        assert set(text.values) == set(app.config["LANGUAGES"])


def test_a_badge_without_stated_facts_still_has_its_derived_ones(app, tmp_path, path):
    from tests.support.badges import FACTS, badge_yaml

    without_facts = badge_yaml("x", "{type: module_completed, module: mobility-basics}").replace(FACTS, "")
    catalogue, _ = load_badges(write_badges(tmp_path / "b", {"x.yaml": without_facts}), path)
    bare = facts(catalogue, path, "x")
    assert bare.outcomes == () and bare.quality_assurance is None and bare.workload_hours == 0.5
    assert [label for label, _ in bare.english_lines()] == [
        "Notional workload", "Type of assessment", "Supervision and identity verification"]


# --- the credentials --------------------------------------------------------------------------------------------

PLAN_FILES = {
    "plan.yaml": mobility_plan_yaml("plan", "{type: module_completed, module: erasmus-plus-for-vet}", eqf_level=4),
    "starter.yaml": participation_yaml("starter", "{type: module_completed, module: erasmus-plus-for-vet}"),
}


def review(*, public_page=False, result="meets"):
    return [{"type": "reviewed_submission", "submission": "sub-1", "reviewed_at": "2026-11-23T12:00:00+00:00",
             "reviewer_role": "Colleague named reviewer by the organisation",
             "criteria": [{"id": "plan", "result": result, "comment": "Clear and complete."},
                          {"id": "budget", "result": "meets", "comment": "Unit costs right."},
                          {"id": "risks", "result": "meets", "comment": ""}],
             "public_page": public_page, "narrative": "The plan is ready to use for the spring mobility."}]


@pytest.fixture
def plan_award(app, world, clock, use_badges):
    """The world's learner holds the demonstrated badge `plan`, a colleague having accepted their plan."""
    def make(*, public_page=False, country=None):
        app.config["BADGE_ISSUER_COUNTRY"] = country
        use_badges(PLAN_FILES)
        award = award_badge(world.organisation.id, world.learner.id, badge_catalogue().badge("plan"),
                            now=clock.now(), evidence=review(public_page=public_page), how="reviewed")
        db.session.commit()
        return award
    return make


def schema_errors(document, schema=SCHEMA):
    return sorted(error.message for error in Draft201909Validator(schema).iter_errors(document))


def test_a_demonstrated_badge_is_a_micro_credential_with_a_rubric_criterion_per_criterion_of_its_brief(
        app, plan_award):
    award = plan_award()
    badge = badge_catalogue().badge("plan")
    document = ob3.achievement(badge, issuer_of(award), app.extensions["path_model"], facts_of(badge))
    assert not schema_errors(document, ACHIEVEMENT_SCHEMA)
    assert document["achievementType"] == "MicroCredential"
    assert document["criteria"]["narrative"] == "A colleague accepted the plan for plan."
    [plan, budget, risks] = document["resultDescription"]
    assert plan["id"] == document["id"] + "#criterion-plan"
    assert plan["type"] == ["ResultDescription"] and plan["resultType"] == "RubricCriterionLevel"
    assert plan["name"] == "The plan names the learners and dates."
    assert [level["name"] for level in plan["rubricCriterionLevel"]] == ["not yet", "meets"]
    assert plan["rubricCriterionLevel"][1]["description"] == "Every learner and date is named."
    assert plan["requiredLevel"] == plan["rubricCriterionLevel"][1]["id"] == plan["id"] + "-meets"
    assert document["description"].startswith("About plan.\n\n- Learning outcomes:\n"
                                              "  - The earner can plan a learner mobility.\n")
    assert "- Notional workload: " in document["description"] and "- EQF level: 4" in document["description"]
    assert "- Type of assessment: artefact reviewed by a named colleague against the criteria" in (
        document["description"])
    assert "micro-credential" in document["tag"] and "EQF level 4" in document["tag"]
    assert "creditsAvailable" not in document  # notional hours are not credits the college awards


def test_a_participation_badge_stays_a_badge_without_result_descriptions(app, plan_award):
    award = plan_award()
    badge = badge_catalogue().badge("starter")
    document = ob3.achievement(badge, issuer_of(award), app.extensions["path_model"], facts_of(badge))
    assert document["achievementType"] == "Badge" and "resultDescription" not in document
    assert "automatic quiz: first answers count" in document["description"]


def test_the_credential_of_a_reviewed_award_carries_a_result_per_criterion_and_the_reviewers_evidence(
        app, client, plan_award):
    award = plan_award()
    credential = client.get(f"/badges/credentials/{award.public_id}").get_json()
    assert not schema_errors(credential)
    achievement = credential["credentialSubject"]["achievement"]
    results = credential["credentialSubject"]["result"]
    assert [result["resultDescription"] for result in results] == [
        description["id"] for description in achievement["resultDescription"]]
    assert all(result["type"] == ["Result"] and result["achievedLevel"].endswith("-meets") for result in results)
    [evidence] = credential["evidence"]
    assert evidence["type"] == ["Evidence"] and "id" not in evidence  # the earner did not agree to a public page
    assert evidence["description"] == "Reviewed by: Colleague named reviewer by the organisation"
    assert "- The plan names the learners and dates.: meets — Clear and complete." in evidence["narrative"]
    assert evidence["narrative"].startswith("The plan is ready to use for the spring mobility.")


def test_the_issuer_profile_names_the_awarding_bodys_country_when_set(app, client, plan_award):
    award = plan_award(country="FI")
    credential = client.get(f"/badges/credentials/{award.public_id}").get_json()
    assert credential["issuer"]["address"] == {"type": ["Address"], "addressCountryCode": "FI"}
    assert not schema_errors(credential)


def test_without_a_country_the_profile_has_no_address(app, client, plan_award):
    award = plan_award()
    assert "address" not in client.get(f"/badges/credentials/{award.public_id}").get_json()["issuer"]


@pytest.mark.parametrize("value", ["XX", "FIN", "1A", "F"])
def test_badge_issuer_country_must_be_an_iso_3166_alpha_2_code(value):
    with pytest.raises(UnsafeConfiguration, match="ISO 3166-1 alpha-2"):
        country_code(value)


def test_badge_issuer_country_is_read_upper_cased_and_empty_means_none():
    assert (country_code("fi"), country_code(" EE "), country_code("")) == ("FI", "EE", None)


def test_the_ob2_badge_class_carries_the_facts_as_text_and_tags(app, client, plan_award):
    award = plan_award()
    badge = badge_catalogue().badge("plan")
    document = ob2.badge_class(badge, issuer_of(award), app.extensions["path_model"], facts_of(badge))
    assert "- Form of participation: Online, self-paced, individual." in document["description"]
    assert "- The plan names the learners and dates. Meets: Every learner and date is named." in (
        document["criteria"]["narrative"])
    assert "micro-credential" in document["tags"]


def test_the_ob2_assertion_has_the_reviewed_evidence_with_its_page_only_when_public(app, client, world, plan_award):
    world.learner.email = "lea@college.example.org"
    award = plan_award()
    [evidence] = client.get(f"/badges/ob2/assertions/{award.public_id}").get_json()["evidence"]
    assert "meets — Clear and complete." in evidence["narrative"] and "id" not in evidence
    award.evidence = review(public_page=True)
    db.session.commit()
    [evidence] = client.get(f"/badges/ob2/assertions/{award.public_id}").get_json()["evidence"]
    assert evidence["id"].endswith(f"/badges/evidence/{award.public_id}")


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_award_page_has_a_facts_table_an_employer_can_read(client, plan_award):
    award = plan_award(country="FI")
    page = client.get(f"/badges/awards/{award.public_id}").get_data(as_text=True)
    facts_section = page.split('data-testid="facts"')[1].split("</section>")[0]
    for heading in ("Learning outcomes", "Workload", "Type of assessment", "Form of participation",
                    "Supervision and identity verification", "Quality assurance", "Prerequisites", "EQF level",
                    "Awarding body", "Date of issue"):
        assert f'<th scope="row">{heading}</th>' in facts_section, heading
    assert "(Finland)" in facts_section
    assert "The earner can plan a learner mobility." in facts_section
    assert "artefact reviewed by a named colleague against the criteria" in facts_section
    criteria = facts_section.split('data-testid="criteria-results"')[1]
    assert '<th scope="col">Criterion</th>' in criteria
    assert '<th scope="row">The plan names the learners and dates.</th><td>meets</td>' in criteria


def test_the_award_page_follows_the_readers_language(client, plan_award):
    award = plan_award(country="FI")
    page = client.get(f"/badges/awards/{award.public_id}", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Verkossa, omaan tahtiin, yksin." in page and "(Suomi)" in page


def test_the_evidence_page_is_public_only_where_the_earner_agreed(client, plan_award):
    award = plan_award()
    assert client.get(f"/badges/evidence/{award.public_id}").status_code == 404
    award.evidence = review(public_page=True)
    db.session.commit()
    response = client.get(f"/badges/evidence/{award.public_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The plan is ready to use for the spring mobility." in page and "Clear and complete." in page
    award.is_private = True
    db.session.commit()
    assert client.get(f"/badges/evidence/{award.public_id}").status_code == 404
    assert client.get("/badges/evidence/no-such-award").status_code == 404


def test_the_awarding_body_is_named_with_the_country_its_organisation_admin_states(app, client, clock, world):
    from app.badges.issuers import issuer_for, issuer_profile
    from tests.support.factories import ORG_ADMIN_ROLE, make_launch, sign_in
    from tests.support.forms import post_form

    sign_in(client, make_launch(world, world.instructor, [ORG_ADMIN_ROLE], now=clock.now()))
    wrong = post_form(client, "/organisation/issuer", {"country": "XX"}, page="/organisation/issuer")
    assert wrong.status_code == 400 and "Choose your college" in wrong.get_data(as_text=True)
    post_form(client, "/organisation/issuer", {"country": "ee"}, page="/organisation/issuer")

    assert issuer_profile(issuer_for(world.organisation.id)).country == "EE"
    assert '<option value="EE" selected>Estonia</option>' in client.get("/organisation/issuer").get_data(as_text=True)
