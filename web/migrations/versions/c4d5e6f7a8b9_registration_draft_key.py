"""registration draft key: a « Valider » sent again finds the registration it made

Revision ID: c4d5e6f7a8b9
Revises: 8b1e2f4a9c10
Create Date: 2026-12-06 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = '8b1e2f4a9c10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_key', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('draft_key')
