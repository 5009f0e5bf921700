"""dynamic registration: one-time registration invitations and installation settings

Revision ID: 5d1c0a7e9b42
Revises: de6fefff6537
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c0a7e9b42'
down_revision = 'de6fefff6537'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('installation_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_installation_settings'))
    )
    op.create_table('lti_registration_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_lti_registration_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_lti_registration_invitations_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registration_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_lti_registration_invitations_token_hash'))
    )
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_registration_invitations_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lti_registration_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_registration_invitations_organisation_id'))

    op.drop_table('lti_registration_invitations')
    op.drop_table('installation_settings')
