"""The app served on 127.0.0.1 as verifiers see it: awards made in colleges of their own, their public URLs fetched
over HTTP, keys rotated and awards revoked as the installation's commands do."""
import base64
import json
from dataclasses import dataclass, field, fields

import pytest
import requests

from app.badges.awarding import awards_of, revoke_award
from app.badges.keys import rotate_badge_keys
from app.extensions import db
from tests.support.badges import complete_module
from tests.support.factories import LEARNER_ROLE, World, make_launch, make_world
from tests.support.live_server import LiveServer

EMAIL = "lea.learner@college.example.org"


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_header(token: str) -> dict:
    """A compact JWS's header, read without verifying (what a verifier reads first: the kid)."""
    return json.loads(b64url_decode(token.split(".")[0]))


def jwt_payload(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


@dataclass
class Served:
    app: object
    url: str
    world: object
    clock: object
    worlds: dict = field(default_factory=dict)  # organisation id → its world (detached: merged back to use it)

    def award(self, module_id: str = "erasmus-plus-for-vet", *, email: str | None = EMAIL, subject: str | None = None,
              colleague_of: str | None = None):
        """A learner of a new college completes a module (and earns its badge), or (`colleague_of`: an award's public
        id) the instructor of that award's college does; the award's public id."""
        from app.badges.credentials import award_by_public_id

        with self.app.app_context():
            if colleague_of:
                world = self.worlds[award_by_public_id(colleague_of).organisation_id]
                world = World(*(db.session.merge(getattr(world, part.name), load=False) for part in fields(world)))
                earner = world.instructor
            else:
                world = make_world()
                self.worlds[world.organisation.id] = world
                earner = world.learner
            earner.email = email
            if subject:
                earner.subject = subject
            launch = make_launch(world, earner, [LEARNER_ROLE], now=self.clock.now())
            complete_module(self.app, launch, module_id, now=self.clock.now())
            [award] = awards_of(world.organisation.id, earner.id)
            db.session.commit()
            return award.public_id

    def organisation_of(self, public_id: str) -> int:
        from app.badges.credentials import award_by_public_id

        with self.app.app_context():
            return award_by_public_id(public_id).organisation_id

    def rotate_keys(self, public_id: str) -> None:
        """`flask badges rotate-key` for the college of that award."""
        with self.app.app_context():
            rotate_badge_keys(self.organisation_of(public_id), self.clock.now())
            db.session.commit()

    def get(self, path_or_url: str, **kwargs):
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        return requests.get(url, timeout=10, **kwargs)

    def revoke(self, public_id: str, reason: str = "awarded by mistake"):
        from app.badges.credentials import award_by_public_id

        with self.app.app_context():
            revoke_award(award_by_public_id(public_id), reason, now=self.clock.now(), revoked_by="test",
                         reason_public=True)
            db.session.commit()


@pytest.fixture
def served(committed_app, clock):
    server = LiveServer("127.0.0.1")
    committed_app.config["BASE_URL"] = server.url
    server.start(committed_app)
    yield Served(committed_app, server.url, None, clock)
    server.stop()
