"""issue 26: when the earner chose whether award pages show their name (None: never asked, so My badges asks)

Revision ID: 3c5e1a7b9d20
Revises: 46a5569aef63
Create Date: 2026-12-07 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e1a7b9d20'
down_revision = '46a5569aef63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badge_earners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_chosen_at', sa.DateTime(timezone=True), nullable=True))
    # Whoever already shows their name chose it on the settings form: do not ask them again.
    op.execute("UPDATE badge_earners SET name_chosen_at = created_at WHERE show_name")


def downgrade():
    with op.batch_alter_table('badge_earners', schema=None) as batch_op:
        batch_op.drop_column('name_chosen_at')
