"""events: the languages kiosks offer guests

Revision ID: 9a1f3c5e7b20
Revises: 7c4e2a9b1d53
Create Date: 2026-12-06 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9a1f3c5e7b20'
down_revision = '7c4e2a9b1d53'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (see 3b9d0c7e5a21): every event speaks English until it says otherwise.
    op.add_column('events', sa.Column('languages', sa.JSON(), server_default='["en"]', nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('languages')
