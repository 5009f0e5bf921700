"""self-assessment drafts: a taking in progress, saved area by area (issue 29)

Kept in their own table so that every reader of self_assessments (placement, skills map, dashboard, history)
sees finished takings only.

Revision ID: 53173874a876
Revises: c0868603ba48
Create Date: 2026-12-07 05:55:55.075164

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '53173874a876'
down_revision = 'c0868603ba48'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('self_assessment_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_self_assessment_drafts_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_self_assessment_drafts_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment_drafts')),
    sa.UniqueConstraint('organisation_id', 'person_id', name=op.f('uq_self_assessment_drafts_organisation_id_person_id'))
    )


def downgrade():
    op.drop_table('self_assessment_drafts')
