"""admin users: a session version, so logging out or a new password ends every session of the admin

Revision ID: d21b3f8a6c24
Revises: c21b0a7e5d13
Create Date: 2026-12-06 18:30:00

Issue 21: the admin's session was a signed cookie with no server state (it outlived logout and a password change).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd21b3f8a6c24'
down_revision = 'c21b0a7e5d13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
