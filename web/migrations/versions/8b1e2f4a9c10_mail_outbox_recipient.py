"""mail outbox recipient: a mail to an address other than the space's login address

Revision ID: 8b1e2f4a9c10
Revises: cda928756ee2
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1e2f4a9c10'
down_revision = 'cda928756ee2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('recipient')
