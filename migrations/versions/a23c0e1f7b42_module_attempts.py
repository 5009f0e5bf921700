"""issue 23: modules are taken in attempts; the first answer to a scored activity counts

Every existing progress becomes attempt 1, with its sections, answers and completion: the answers kept so far
were the latest ones, so they stand as first answers too (nothing a learner completed is taken back).

Revision ID: a23c0e1f7b42
Revises: 85db36c5fcba
Create Date: 2026-12-06 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a23c0e1f7b42'
down_revision = '85db36c5fcba'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'module_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('progress_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('versions', sa.JSON(), nullable=False),
        sa.Column('shuffle_seed', sa.Integer(), nullable=False),
        sa.Column('score', sa.SmallInteger(), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('summary_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_module_attempts_attempt_score_is_a_percentage')),
        sa.ForeignKeyConstraint(['progress_id'], ['module_progress.id'],
                                name=op.f('fk_module_attempts_progress_id_module_progress'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_module_attempts')),
        sa.UniqueConstraint('progress_id', 'number', name=op.f('uq_module_attempts_progress_id_number')),
    )
    op.execute(
        "INSERT INTO module_attempts (progress_id, number, started_at, versions, shuffle_seed, score, completed_at,"
        " summary_seen_at) SELECT id, 1, started_at, '{}', id, COALESCE(score, 0), completed_at, completed_at"
        " FROM module_progress"
    )

    with op.batch_alter_table('sections_seen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_id', sa.Integer(), nullable=True))
    op.execute("UPDATE sections_seen SET attempt_id = (SELECT module_attempts.id FROM module_attempts"
               " WHERE module_attempts.progress_id = sections_seen.progress_id AND module_attempts.number = 1)")
    with op.batch_alter_table('sections_seen', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sections_seen_progress_id_section_id', type_='unique')
        batch_op.drop_constraint('fk_sections_seen_progress_id_module_progress', type_='foreignkey')
        batch_op.drop_column('progress_id')
        batch_op.alter_column('attempt_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_sections_seen_attempt_id_module_attempts'), 'module_attempts',
                                    ['attempt_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_sections_seen_attempt_id_section_id'),
                                          ['attempt_id', 'section_id'])

    with op.batch_alter_table('activity_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('first_chosen_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('first_correct', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('attempts', new_column_name='tries', existing_type=sa.Integer(), existing_nullable=False)
    op.execute("UPDATE activity_responses SET attempt_id = (SELECT module_attempts.id FROM module_attempts"
               " WHERE module_attempts.progress_id = activity_responses.progress_id AND module_attempts.number = 1),"
               " version_id = activity_id, first_chosen_ids = chosen_ids, first_correct = is_correct,"
               " first_answered_at = answered_at")
    with op.batch_alter_table('activity_responses', schema=None) as batch_op:
        batch_op.drop_constraint('uq_activity_responses_progress_id_activity_id', type_='unique')
        batch_op.drop_constraint('fk_activity_responses_progress_id_module_progress', type_='foreignkey')
        batch_op.drop_column('progress_id')
        for column, kind in (('attempt_id', sa.Integer()), ('version_id', sa.String(length=200)),
                             ('first_chosen_ids', sa.JSON()), ('first_answered_at', sa.DateTime(timezone=True))):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_activity_responses_attempt_id_module_attempts'),
                                    'module_attempts', ['attempt_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_activity_responses_attempt_id_activity_id'),
                                          ['attempt_id', 'activity_id'])


def downgrade():
    """Back to one set of answers per progress: the latest attempt's (earlier attempts are lost)."""
    for table in ('sections_seen', 'activity_responses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('progress_id', sa.Integer(), nullable=True))
        op.execute(f"DELETE FROM {table} WHERE attempt_id NOT IN (SELECT (SELECT a.id FROM module_attempts a"
                   " WHERE a.progress_id = module_progress.id ORDER BY a.number DESC LIMIT 1) FROM module_progress)")
        op.execute(f"UPDATE {table} SET progress_id = (SELECT progress_id FROM module_attempts"
                   f" WHERE module_attempts.id = {table}.attempt_id)")
    with op.batch_alter_table('activity_responses', schema=None) as batch_op:
        batch_op.drop_constraint('uq_activity_responses_attempt_id_activity_id', type_='unique')
        batch_op.drop_constraint('fk_activity_responses_attempt_id_module_attempts', type_='foreignkey')
        for column in ('attempt_id', 'version_id', 'first_chosen_ids', 'first_correct', 'first_answered_at'):
            batch_op.drop_column(column)
        batch_op.alter_column('tries', new_column_name='attempts', existing_type=sa.Integer(), existing_nullable=False)
        batch_op.alter_column('progress_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_activity_responses_progress_id_module_progress', 'module_progress',
                                    ['progress_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_activity_responses_progress_id_activity_id',
                                          ['progress_id', 'activity_id'])
    with op.batch_alter_table('sections_seen', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sections_seen_attempt_id_section_id', type_='unique')
        batch_op.drop_constraint('fk_sections_seen_attempt_id_module_attempts', type_='foreignkey')
        batch_op.drop_column('attempt_id')
        batch_op.alter_column('progress_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_sections_seen_progress_id_module_progress', 'module_progress',
                                    ['progress_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_sections_seen_progress_id_section_id', ['progress_id', 'section_id'])
    op.drop_table('module_attempts')
