"""manual scans: who admitted, and a note; no code

Revision ID: ad9cf23f1152
Revises: 9e5197466300
Create Date: 2026-12-04 06:54:48.547687

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ad9cf23f1152'
down_revision = '9e5197466300'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manual', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('actor', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        # A manual scan reads no code.
        batch_op.alter_column('code', existing_type=sa.String(length=512), nullable=True)


def downgrade():
    op.execute("UPDATE scans SET code = '' WHERE code IS NULL")  # the older schema needs a code on every scan
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=512), nullable=False)
        batch_op.drop_column('note')
        batch_op.drop_column('actor')
        batch_op.drop_column('manual')
