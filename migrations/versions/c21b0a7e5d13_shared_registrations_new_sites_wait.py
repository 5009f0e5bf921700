"""shared registrations: new sites wait for the installation admin unless the default organisation owns the LMS

Revision ID: c21b0a7e5d13
Revises: c3d8f1a4e602
Create Date: 2026-12-06 18:20:00

Issue 21: `registrations.default_organisation_approves` (off for every registration, as most hold-pending
registrations are shared: the installation admin turns it on for an LMS one organisation owns alone). Sites
already waiting under a default organisation are taken out of it (they have no courses: a pending site's
launches are refused), so its admin no longer sees another college's site; the installation admin places them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c21b0a7e5d13'
down_revision = 'c3d8f1a4e602'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_organisation_approves', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.execute(
        "UPDATE deployments SET organisation_id = NULL WHERE status = 'pending' "
        "AND NOT EXISTS (SELECT 1 FROM courses WHERE courses.deployment_id = deployments.id)"
    )


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('default_organisation_approves')
