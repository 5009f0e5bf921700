"""self-rated levels stored per taking and area, the taking with the path content's fingerprint (issue 30)

Revision ID: 5b8e1f0c7d42
Revises: 9d4e2b7c1a53
Create Date: 2026-12-07 12:00:00

Takings saved before this revision have no stored levels: the skills map works them out from their ratings until
`flask learning store-self-rated-levels` stores them (the levels need the path content, which a migration must
not load).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e1f0c7d42'
down_revision = '9d4e2b7c1a53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'self_rated_levels',
        sa.Column('self_assessment_id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.String(length=200), nullable=False),
        sa.Column('level_order', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['self_assessment_id'], ['self_assessments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('self_assessment_id', 'area_id'),
    )
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('levels_fingerprint', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.drop_column('levels_fingerprint')
    op.drop_table('self_rated_levels')
