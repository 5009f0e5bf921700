"""Self-assessments: each taking kept as dated history with its ratings (docs/path.md)

Revision ID: a8e5129c5580
Revises: a1f3c9d2b7e4
Create Date: 2026-11-23 15:16:38.613138

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e5129c5580'
down_revision = 'a1f3c9d2b7e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('self_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_self_assessments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_self_assessments_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessments'))
    )
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.create_index('ix_self_assessments_person_taken', ['organisation_id', 'person_id', 'taken_at'], unique=False)

    op.create_table('self_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('self_assessment_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.String(length=200), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 0 AND 3', name=op.f('ck_self_ratings_rating_on_scale')),
    sa.ForeignKeyConstraint(['self_assessment_id'], ['self_assessments.id'], name=op.f('fk_self_ratings_self_assessment_id_self_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_ratings')),
    sa.UniqueConstraint('self_assessment_id', 'statement_id', name=op.f('uq_self_ratings_self_assessment_id_statement_id'))
    )


def downgrade():
    op.drop_table('self_ratings')
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_self_assessments_person_taken')

    op.drop_table('self_assessments')
