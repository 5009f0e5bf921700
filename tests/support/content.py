"""The tool on fixture content, and course links in the development LMS that open one module."""
from tests.learning.conftest import load_fixture_content


def serve_fixture_content(lti_world, name: str, tmp_path) -> None:
    lti_world.app.extensions["path_model"] = load_fixture_content(name, tmp_path)


def add_module_link(lti_world, link_id: str, module_id: str, *, course_id: str = "intl-skills",
                    with_line_item: bool = False) -> None:
    """A resource link made by hand in the LMS, naming its module with the custom parameter `module`, and if asked
    a gradebook column bound to it (as Deep Linking's lineItem makes)."""
    from devlms.ags.models import LineItem
    from devlms.courses.models import ResourceLink
    from devlms.extensions import db as devlms_db

    with lti_world.devlms.app.app_context():
        devlms_db.session.add(ResourceLink(id=link_id, course_id=course_id, title=f"Module {module_id}",
                                           custom={"module": module_id}, position=9))
        if with_line_item:
            devlms_db.session.add(LineItem(course_id=course_id, resource_link_id=link_id, label=f"Module {module_id}",
                                           score_maximum=100.0, resource_id=module_id, tag="module"))
        devlms_db.session.commit()
