"""events: whether the gate pack carries holders' names

Revision ID: 3b9d0c7e5a21
Revises: ad9cf23f1152
Create Date: 2026-12-05 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b9d0c7e5a21'
down_revision = 'ad9cf23f1152'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not a batch copy: SQLite would drop and rebuild `events`,
    # which the rows of every table that refers to it forbid.
    op.add_column('events', sa.Column('gate_pack_names', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('gate_pack_names')
