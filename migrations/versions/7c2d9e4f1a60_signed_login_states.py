"""login states signed instead of stored: only their spending is recorded (issue 30)

Revision ID: 7c2d9e4f1a60
Revises: 5b8e1f0c7d42
Create Date: 2026-12-07 15:20:00

A login now writes nothing: its state is signed with SECRET_KEY and carries what the launch checks, and the launch
records it as spent in lti_spent_logins. Logins started before the upgrade and launched after it are refused
("does not match a login started here"); launching again from the LMS works. The downgrade likewise leaves no
login in flight.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2d9e4f1a60'
down_revision = '5b8e1f0c7d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lti_spent_logins',
        sa.Column('state_id', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('state_id', name=op.f('pk_lti_spent_logins')),
    )
    with op.batch_alter_table('lti_spent_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_spent_logins_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_login_states_expires_at'))
    op.drop_table('lti_login_states')


def downgrade():
    op.create_table(
        'lti_login_states',
        sa.Column('state', sa.String(length=100), nullable=False),
        sa.Column('nonce', sa.String(length=100), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('target_link_uri', sa.String(length=2000), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('storage_target', sa.String(length=200), nullable=True),
        sa.Column('storage_secret_hash', sa.String(length=64), nullable=True),
        sa.Column('login_params', sa.JSON(), nullable=False),
        sa.Column('continuation_hash', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_lti_login_states_registration_id_registrations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('state', name=op.f('pk_lti_login_states')),
    )
    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_login_states_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('lti_spent_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_spent_logins_expires_at'))
    op.drop_table('lti_spent_logins')
