"""The LMS's own world: customer sites (deployments), users, courses, enrolments and resource links."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devlms.extensions import db


class Deployment(db.Model):
    """A customer site that added the tool; LTI tells sites apart by deployment_id."""

    __tablename__ = "deployment"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200))


class User(db.Model):
    """A person in the LMS; name and email are absent for users the LMS keeps anonymous."""

    __tablename__ = "user"

    # Stable, lower-case ids: tests refer to them, and pylti1p3 lower-cases paging URLs.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(20))
    institution_roles: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def name(self) -> str | None:
        """Full name, or None when the user has no name."""
        parts = [part for part in (self.given_name, self.family_name) if part]
        return " ".join(parts) or None

    @property
    def display_name(self) -> str:
        """What pages show for the user, even an anonymous one."""
        return self.name or f"({self.id}, no name)"


class Course(db.Model):
    """A course (LTI context) on one customer site."""

    __tablename__ = "course"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployment.id"))

    deployment: Mapped[Deployment] = relationship()
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="course", order_by="Enrolment.id")
    resource_links: Mapped[list["ResourceLink"]] = relationship(
        back_populates="course", order_by="ResourceLink.position"
    )


class Enrolment(db.Model):
    """A user's membership of a course, with its context roles."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id"))
    roles: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="Active")
    # Users a mentor is responsible for (the role_scope_mentor claim).
    mentees: Mapped[list] = mapped_column(JSON, default=list)

    course: Mapped[Course] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship()

    __table_args__ = (db.UniqueConstraint("course_id", "user_id"),)


class ResourceLink(db.Model):
    """A placement of the tool in a course; launching it sends an LtiResourceLinkRequest."""

    __tablename__ = "resource_link"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id"))
    title: Mapped[str] = mapped_column(String(200))
    # None: launch the tool's registered launch URL.
    url: Mapped[str | None] = mapped_column(String(1000))
    custom: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="resource_links")
