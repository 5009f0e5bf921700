"""Registrations: the hosts an admin lists besides the registration's own, where its AGS and NRPS may be called

Revision ID: b3d4e5f60718
Revises: 5b7e2d9c41a3
Create Date: 2026-12-06 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d4e5f60718'
down_revision = '5b7e2d9c41a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_hosts', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('service_hosts')
