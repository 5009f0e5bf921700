"""dynamic registration: invitations for a new organisation; re-registrations' values held for approval

Revision ID: c3d8f1a4e602
Revises: b3d4e5f60718
Create Date: 2026-12-06 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8f1a4e602'
down_revision = 'b3d4e5f60718'
branch_labels = None
depends_on = None


def upgrade():
    # Every Dynamic Registration now needs an invitation: one may name a new organisation instead of an existing one.
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('organisation_name', sa.String(length=200), nullable=True))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_endpoint', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('proposed_values', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('proposed_at')
        batch_op.drop_column('proposed_values')
        batch_op.drop_column('registration_endpoint')
    op.execute("DELETE FROM lti_registration_invitations WHERE organisation_id IS NULL")
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.drop_column('organisation_name')
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
