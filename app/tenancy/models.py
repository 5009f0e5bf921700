"""Tenancy data: who registered the tool, which college (organisation) owns each launch, and the people in it."""
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import JSONType, TimestampMixin


class Organisation(TimestampMixin, db.Model):
    """A college: the tenant that owns progress, answers, awards, reports and its badge issuer profile."""

    __tablename__ = "organisations"
    # pending: made by a public registration, awaiting the tool admin (its people's badges are held until then).
    ACTIVE, PENDING = "active", "pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    # Off by default: a person's self-ratings are theirs; the organisation sees only aggregates.
    instructors_see_self_assessments: Mapped[bool] = mapped_column(default=False, server_default=false())
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2: the awarding body's, on badges
    # The college's own language (one of config LANGUAGES): the default language of the titles of links added to
    # its courses (LTI sends no course language). None: the launch's locale.
    language: Mapped[str | None] = mapped_column(String(8))
    # The IANA time zone its people's times are shown in (e.g. Europe/Helsinki). None: UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    deployments: Mapped[list["Deployment"]] = relationship(back_populates="organisation")


class Registration(TimestampMixin, db.Model):
    """One LMS's registration of the tool, keyed by (issuer, client_id); not a college (one itslearning
    registration serves many colleges)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)
    ACTIVE, PENDING, DISABLED = "active", "pending", "disabled"
    POLICY_NEW_ORGANISATION, POLICY_HOLD_PENDING = "new_organisation", "hold_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(500))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    allowed_algorithms: Mapped[list] = mapped_column(JSONType, default=lambda: ["RS256"])
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    # What a launch with a deployment_id we have not seen does (one registration may serve many colleges).
    new_deployment_policy: Mapped[str] = mapped_column(String(30), default=POLICY_NEW_ORGANISATION)
    # With the hold-pending policy, new deployments wait under this organisation for its admin's approval.
    default_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Hosts besides its own (those of its token and key-set URLs) where the LMS serves AGS and NRPS, as an admin
    # lists them. A launch's service URLs name any host they like: only these are ever called with a token.
    service_hosts: Mapped[list] = mapped_column(JSONType, default=list)
    # Where the LMS takes Dynamic Registrations (its `registration_endpoint`); None for one registered by hand.
    registration_endpoint: Mapped[str | None] = mapped_column(String(1000))
    # Security-relevant values an LMS sent with a re-registration ("Update" in Moodle), held for the installation
    # admin: the old values stay in force until the admin applies these (a configuration can claim any issuer).
    proposed_values: Mapped[dict | None] = mapped_column(JSONType(none_as_null=True))
    proposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether the default organisation's admin (asserted by the LMS) may approve new sites: only for an LMS that
    # organisation owns alone. Off (the default) on a registration several colleges share (itslearning, Blackboard,
    # Canvas cloud): another college's new site would be approved into the wrong organisation, so new sites wait,
    # in no organisation, for the installation admin.
    default_organisation_approves: Mapped[bool] = mapped_column(default=False, server_default=false())

    deployments: Mapped[list["Deployment"]] = relationship(back_populates="registration")
    default_organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE

    @property
    def own_hosts(self) -> set[str]:
        """The hosts of its token and key-set URLs: where this LMS's services live unless an admin lists more."""
        return {host for host in (urlsplit(self.auth_token_url or "").hostname,
                                  urlsplit(self.key_set_url or "").hostname) if host}

    def serves_on(self, url: str) -> bool:
        """Whether url is on one of this LMS's hosts: its own, or those listed in service_hosts."""
        host = urlsplit(url).hostname if isinstance(url, str) else None
        listed = {str(name).lower().rstrip(".") for name in self.service_hosts or []}
        return bool(host) and host.rstrip(".") in self.own_hosts | listed
    @property
    def held_sites_organisation_id(self) -> int | None:
        """Where a new site held pending waits: the default organisation if its admin may approve it, else none."""
        return self.default_organisation_id if self.default_organisation_approves else None

    @property
    def platform_origin(self) -> str:
        """The LMS's origin (of its authorization endpoint): its pages frame ours and post our id_tokens."""
        parts = urlsplit(self.auth_login_url)
        return f"{parts.scheme}://{parts.netloc}"


class Deployment(TimestampMixin, db.Model):
    """A deployment_id under a registration: one customer site of an LMS, belonging to one organisation."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)
    ACTIVE, PENDING, DISABLED = "active", "pending", "disabled"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    deployment_id: Mapped[str] = mapped_column(String(500))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    # Origins allowed to frame the tool's pages (Content-Security-Policy: frame-ancestors).
    frame_ancestors: Mapped[list] = mapped_column(JSONType, default=list)
    platform_name: Mapped[str | None] = mapped_column(String(300))

    registration: Mapped[Registration] = relationship(back_populates="deployments")
    organisation: Mapped[Organisation | None] = relationship(back_populates="deployments")

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE


class Person(TimestampMixin, db.Model):
    """Someone who launched the tool: (organisation, issuer, sub); name and email are optional everywhere."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("organisation_id", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(20))
    last_launch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when an admin erased the person's data (app.reports.personal_data): the row stays, emptied, so that
    # other features' rows (revoked awards) keep their reference; a new launch by them makes a new person.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def display_name(self) -> str | None:
        return self.name or self.email


class Course(TimestampMixin, db.Model):
    """An LMS context (course) seen in a launch; context ids are unique within a deployment."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(255))
    # The course's roster (NRPS): where the LMS serves it, and the last reading of it.
    roster_url: Mapped[str | None] = mapped_column(String(1000))
    roster_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    roster_error: Mapped[str | None] = mapped_column(Text)

    deployment: Mapped["Deployment"] = relationship()


class Membership(TimestampMixin, db.Model):
    """A person's role in a course, as the latest launch stated it."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("course_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(30))
    lti_roles: Mapped[list] = mapped_column(JSONType, default=list)
    # From the roster (NRPS): Active, Inactive or Deleted (no longer listed); None: known from launches only.
    lms_status: Mapped[str | None] = mapped_column(String(20))
    roster_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A mentor's mentees as their latest launch of the course named them (LMS user ids, the `sub`s of the
    # role_scope_mentor claim, app.tenancy.mentors); None for everyone else.
    mentee_subjects: Mapped[list | None] = mapped_column(JSONType(none_as_null=True))


class InstallationSetting(db.Model):
    """One setting of the whole installation that the installation admin changes (not deploy-time config)."""

    __tablename__ = "installation_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict | list | str | int | bool | None] = mapped_column(JSONType)


# Tables of higher layers whose rows tie a person to an LMS site (deployment) outside any course: the lti package's
# launches. Moving a site (app.tenancy.moves) counts their rows as it counts memberships, without importing them.
SITE_RECORDS: list[type] = []


def site_record(model: type) -> type:
    """Class decorator: `model` has organisation_id, deployment_id and person_id; moving a site follows its rows."""
    if model not in SITE_RECORDS:
        SITE_RECORDS.append(model)
    return model
