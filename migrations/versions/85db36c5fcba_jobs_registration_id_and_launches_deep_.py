"""issue 21: jobs name the LMS registration they call (the worker's per-registration limit); a Deep Linking
launch records when its one answer was sent

Revision ID: 85db36c5fcba
Revises: d21b3f8a6c24
Create Date: 2026-12-06 18:03:44.299839

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '85db36c5fcba'
down_revision = 'd21b3f8a6c24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_jobs_registration_id_registrations'), 'registrations',
                                    ['registration_id'], ['id'], ondelete='SET NULL')
    # Jobs queued before this revision name no registration: they run without the limit, as before.

    with op.batch_alter_table('lti_launches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deep_linking_answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_launches', schema=None) as batch_op:
        batch_op.drop_column('deep_linking_answered_at')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jobs_registration_id_registrations'), type_='foreignkey')
        batch_op.drop_column('registration_id')
