"""What the path page reads of the learner, in one statement: the modules they opened (completed or not), their
latest self-assessment with its ratings, and what other features show on the page of the same person (the badges
feature: the badge standing), which they register here (register_path_page_read).

The path page is every launch's first page, and each statement costs more Python (SQLAlchemy, the driver, loading ORM
objects) and a round trip more than the database takes to answer it (bench/profile_launch.py), so the page asks once,
in tagged rows (app.models_base.read_together), and reads plain rows: it writes nothing.
"""
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Integer, String, bindparam, literal_column, null, select, type_coerce, union_all

from app.learning.models import ModuleProgress, SelfAssessment, SelfRating
from app.models_base import TaggedRead, read_together
from app.tenancy.services import scoped

_OTHER_READS = "path_page_reads"  # app.extensions: the features' reads of the path page, (organisation, person) → read


@dataclass(frozen=True)
class TakenSelfAssessment:
    """The person's latest finished taking of the self-assessment, as much of it as the path page uses."""

    taken_at: datetime
    ratings: Mapping[str, int]  # statement id → rating


@dataclass(frozen=True)
class PathReads:
    opened: dict[str, bool]  # module id → completed?, for every module the person opened
    assessment: TakenSelfAssessment | None  # None before their first taking

    @property
    def completed_module_ids(self) -> frozenset[str]:
        return frozenset(module_id for module_id, done in self.opened.items() if done)


def register_path_page_read(app, read: Callable[[int, int], TaggedRead]) -> None:
    """A feature's rows of the learner that the path page shows, read in the page's own statement: `read` gives, for
    an organisation and a person id, a TaggedRead whose statement takes the bind parameters organisation_id and
    person_id (its value is then the feature's read_once_per_request value for the rest of the request)."""
    app.extensions.setdefault(_OTHER_READS, []).append(read)


def path_reads(organisation_id: int, person_id: int) -> PathReads:
    """The person's opened modules and latest self-assessment (latest_self_assessment's taking), read together with
    the registered features' reads of the page."""
    others = [read(organisation_id, person_id) for read in current_app.extensions.get(_OTHER_READS, ())]
    own = TaggedRead(("path reads", organisation_id, person_id), _PATH_READS, _path_reads_of)
    return read_together([own, *others], {"organisation_id": organisation_id, "person_id": person_id})[0]


def _path_reads_of(rows: Iterable[tuple]) -> PathReads:
    opened, taken_at, ratings = {}, None, {}
    for kind, key, moment, rating in rows:
        if kind == "module":
            opened[key] = moment is not None
        else:
            taken_at = moment
            if key is not None:  # None: a taking without ratings (the outer join's one row)
                ratings[key] = rating
    return PathReads(opened, TakenSelfAssessment(taken_at, ratings) if taken_at is not None else None)


def _statement():
    """Tagged rows: ("module", module id, completed at or NULL, NULL) per opened module, and ("rating", statement id,
    taken at, rating) per rating of the latest taking (the order of latest_self_assessment: the later of two takings
    at the same moment). Built once, with the organisation and the person as bind parameters: building a statement
    costs more than running it."""
    organisation_id, person_id = bindparam("organisation_id", type_=Integer), bindparam("person_id", type_=Integer)
    modules = select(literal_column("'module'", String).label("kind"), ModuleProgress.module_id.label("key"),
                     ModuleProgress.completed_at.label("moment"), type_coerce(null(), Integer).label("rating")).where(
        ModuleProgress.organisation_id == organisation_id, ModuleProgress.person_id == person_id)
    latest = (scoped(SelfAssessment, organisation_id).with_only_columns(SelfAssessment.id)
              .where(SelfAssessment.person_id == person_id)
              .order_by(SelfAssessment.taken_at.desc(), SelfAssessment.id.desc()).limit(1).scalar_subquery())
    ratings = (select(literal_column("'rating'"), SelfRating.statement_id, SelfAssessment.taken_at, SelfRating.rating)
               .select_from(SelfAssessment).outerjoin(SelfRating, SelfRating.self_assessment_id == SelfAssessment.id)
               .where(SelfAssessment.id == latest))
    return union_all(modules, ratings)


_PATH_READS = _statement()
