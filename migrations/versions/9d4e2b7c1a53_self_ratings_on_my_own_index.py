"""self ratings "on my own" or higher, indexed for the skills map (issue 30)

Revision ID: 9d4e2b7c1a53
Revises: 37de3113f16f
Create Date: 2026-12-07 09:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e2b7c1a53'
down_revision = '37de3113f16f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('self_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_self_ratings_on_my_own', ['self_assessment_id', 'statement_id'], unique=False,
                              postgresql_where=sa.text('rating >= 2'), sqlite_where=sa.text('rating >= 2'))


def downgrade():
    with op.batch_alter_table('self_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_self_ratings_on_my_own', postgresql_where=sa.text('rating >= 2'),
                            sqlite_where=sa.text('rating >= 2'))
