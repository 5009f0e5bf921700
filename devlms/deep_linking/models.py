"""Deep Linking requests the platform sent, so it can match the tool's response to one of them."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devlms.courses.models import Course
from devlms.extensions import db


class DeepLinkingRequest(db.Model):
    """One LtiDeepLinkingRequest; its id is the opaque `data` the tool must echo, and it is used once."""

    __tablename__ = "deep_linking_request"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id"))
    deployment_id: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[int]
    used_at: Mapped[int | None]
    # What deep_linking_settings told the tool; a response with more items than that is refused.
    accept_multiple: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship()
