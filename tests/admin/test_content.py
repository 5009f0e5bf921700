"""The admin's content page: problems with file and line, a reload that never swaps in broken files and reaches
every process, and the retired ids still in people's data."""
import pytest

from app.extensions import db
from app.learning.content import VERSION_KEY
from app.learning.models import ModuleProgress
from app.shared_cache import shared_cache
from tests.support.content import copy_fixture
from tests.support.factories import make_world
from tests.support.forms import post_form

pytestmark = pytest.mark.sqlite


@pytest.fixture
def content_files(app, tmp_path):
    """The app reading a copy of the `good` fixture as its CONTENT_DIR, loaded as at start."""
    from app.learning.content import init_content

    directory = copy_fixture("good", tmp_path)
    app.config["CONTENT_DIR"] = str(directory)
    init_content(app)
    return directory


def reload(client):
    return post_form(client, "/admin/content/reload", {}, page="/admin/content")


def test_the_page_lists_each_problem_with_its_file_and_line(admin_client, content_files):
    page = admin_client.get("/admin/content").get_data(as_text=True)

    assert "Running now: 1 module in 2 areas and 2 levels." in page
    assert "<code>first-steps/module.md:6</code>" in page  # the 5-minute module is under the minimums: a warning
    assert "module &#39;first-steps&#39; takes 5 minutes" in page


def test_a_reload_uses_the_edited_files_when_they_have_no_errors(admin_client, app, content_files):
    module = content_files / "first-steps" / "module.md"
    module.write_text(module.read_text().replace("title: First steps", "title: The very first steps"))

    response = reload(admin_client)

    assert response.status_code == 302
    assert app.extensions["path_model"].module("first-steps").title.english == "The very first steps"
    assert shared_cache().get(VERSION_KEY) == app.extensions["content_version"]
    assert "Content reloaded: 1 module(s)." in admin_client.get("/admin/content").get_data(as_text=True)


def test_a_reload_with_errors_keeps_the_running_content_and_shows_why(admin_client, app, content_files):
    module = content_files / "first-steps" / "module.md"
    module.write_text(module.read_text().replace("area: mobility", "area: nowhere"))

    response = reload(admin_client)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "the running content is unchanged" in page and "Problems in the files (not loaded)" in page
    assert "<code>first-steps/module.md:4</code>" in page and "unknown area &#39;nowhere&#39;" in page
    assert app.extensions["path_model"].module("first-steps").area == "mobility"
    assert shared_cache().get(VERSION_KEY) is None


def test_another_process_picks_up_a_published_reload_at_its_next_check(client, app, content_files):
    module = content_files / "first-steps" / "module.md"
    module.write_text(module.read_text().replace("title: First steps", "title: Published elsewhere"))
    shared_cache().set(VERSION_KEY, "published-by-another-process")
    app.extensions["content_checked_at"] = 0.0  # its last look is longer ago than CONTENT_RELOAD_CHECK_SECONDS

    client.get("/admin/login")

    assert app.extensions["path_model"].module("first-steps").title.english == "Published elsewhere"
    assert app.extensions["content_version"] == "published-by-another-process"


def test_retired_ids_still_in_peoples_data_are_listed_and_warned_about(admin_client, app, clock, content_files, runner):
    world = make_world()
    db.session.add(ModuleProgress(organisation_id=world.organisation.id, person_id=world.learner.id,
                                  module_id="renamed-module", started_at=clock.now(), updated_at=clock.now()))
    db.session.commit()

    page = admin_client.get("/admin/content").get_data(as_text=True)
    check = runner.invoke(args=["content", "check", "--dir", str(content_files)])

    assert "<td>module</td><td><code>renamed-module</code></td><td>1</td>" in page
    assert ("warning: retired module 'renamed-module' is still in the data of 1 person(s)" in check.output)
