"""Launches bound to the browser without cookies (platform storage, new-window continuation, per-launch
sessions) and rotatable tool keys

Revision ID: a1f3c9d2b7e4
Revises: 5d1c0a7e9b42
Create Date: 2026-11-23 14:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1f3c9d2b7e4'
down_revision = '5d1c0a7e9b42'
branch_labels = None
depends_on = None


def upgrade():
    # Logins in flight and launch sessions are short-lived; those opened before this revision end here.
    op.execute('DELETE FROM lti_login_states')
    op.execute('DELETE FROM lti_launches')
    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_target', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('storage_secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('login_params', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('continuation_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('lti_launches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token_hash', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('session_data', sa.JSON(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_lti_launches_session_token_hash'), ['session_token_hash'])

    with op.batch_alter_table('tool_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activates_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retire_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tool_keys', schema=None) as batch_op:
        batch_op.drop_column('retire_at')
        batch_op.drop_column('activates_at')

    with op.batch_alter_table('lti_launches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_lti_launches_session_token_hash'), type_='unique')
        batch_op.drop_column('session_data')
        batch_op.drop_column('session_token_hash')

    with op.batch_alter_table('lti_login_states', schema=None) as batch_op:
        batch_op.drop_column('continuation_hash')
        batch_op.drop_column('login_params')
        batch_op.drop_column('storage_secret_hash')
        batch_op.drop_column('storage_target')
