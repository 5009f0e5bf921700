"""Grade passback: learning events → scores in an outbox → the LMS gradebook (docs/grades.md)."""


def init_app(app):
    from app.events import (
        launch_completed,
        module_completed,
        module_result_improved,
        module_started,
        people_merge_finished,
        people_merged,
        person_erased,
        person_moved,
        section_completed,
    )
    from app.grades import models, sending  # noqa: F401  (the table, and the job handler registered)
    from app.grades.moves import move_grade_syncs_to_organisation
    from app.grades.passback import (
        erase_grade_syncs,
        move_grade_syncs,
        on_launch,
        on_module_completed,
        on_module_result_improved,
        on_module_started,
        on_section_completed,
        rescore_after_merge,
    )

    launch_completed.connect(on_launch)
    module_started.connect(on_module_started)
    section_completed.connect(on_section_completed)
    module_completed.connect(on_module_completed)
    module_result_improved.connect(on_module_result_improved)
    people_merged.connect(move_grade_syncs)
    people_merge_finished.connect(rescore_after_merge)
    person_erased.connect(erase_grade_syncs)
    person_moved.connect(move_grade_syncs_to_organisation)
