"""pylti1p3's extension point, backed by our Registration and Deployment tables."""
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from app.extensions import db
from app.lti.keys import active_tool_key, private_key_pem
from app.tenancy.models import Deployment, Registration
from app.tenancy.services import find_registration


class DatabaseToolConf(ToolConfAbstract):
    """Registrations keyed by (issuer, client_id): one issuer may have many clients (Canvas, Blackboard)."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args, **kwargs):
        raise NotImplementedError("registrations are always looked up by issuer and client_id")

    def find_deployment(self, iss: str, deployment_id: str):
        raise NotImplementedError("deployments are always looked up by issuer, client_id and deployment_id")

    def find_registration_by_params(self, iss: str, client_id: str, *args, **kwargs) -> LtiRegistration | None:
        row = find_registration(iss, client_id)
        return self.registration_from_row(row) if row else None

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str, *args, **kwargs):
        row = db.session.scalars(
            select(Deployment).join(Registration).where(
                Registration.issuer == iss, Registration.client_id == client_id,
                Deployment.deployment_id == deployment_id, Deployment.status == Deployment.ACTIVE,
            )
        ).first()
        return LtiDeployment().set_deployment_id(row.deployment_id) if row else None

    @staticmethod
    def registration_from_row(row: Registration) -> LtiRegistration:
        """pylti1p3's view of a registration; the private key is decrypted only when a service needs it."""
        registration = (
            LtiRegistration()
            .set_issuer(row.issuer)
            .set_client_id(row.client_id)
            .set_key_set_url(row.key_set_url)
            .set_auth_login_url(row.auth_login_url)
            .set_auth_token_url(row.auth_token_url)
        )
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration

    @staticmethod
    def with_tool_key(registration: LtiRegistration) -> LtiRegistration:
        """Attach the tool's active private key, for services that sign (token requests, deep-link responses)."""
        key = active_tool_key()
        if key is None:
            raise LookupError("The tool has no signing key yet: run `flask lti keys ensure`.")
        return registration.set_tool_private_key(private_key_pem(key))
