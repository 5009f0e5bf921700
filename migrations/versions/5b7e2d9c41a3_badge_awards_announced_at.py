"""badge awards: when the earner was told "You earned the badge …"

Revision ID: 5b7e2d9c41a3
Revises: 680a2c91aa61
Create Date: 2026-11-23 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2d9c41a3'
down_revision = '680a2c91aa61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))
    # Awards made before this revision are not news: their earners must not be told of them now.
    op.execute("UPDATE badge_awards SET announced_at = awarded_at")


def downgrade():
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
