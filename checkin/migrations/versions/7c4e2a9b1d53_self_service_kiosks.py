"""self-service kiosks

Revision ID: 7c4e2a9b1d53
Revises: 5dc3116aedf6
Create Date: 2026-12-04 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import checkin.models.types

# revision identifiers, used by Alembic.
revision = '7c4e2a9b1d53'
down_revision = '5dc3116aedf6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('admit_gate_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_at', checkin.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen', checkin.models.types.UTCDateTime(), nullable=True),
    sa.Column('taken_over', sa.String(length=120), nullable=True),
    sa.CheckConstraint("state IN ('ready', 'checking', 'printing', 'done', 'refused')", name='kiosk_state'),
    sa.ForeignKeyConstraint(['admit_gate_id'], ['gates.id'], ),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'name')
    )


def downgrade():
    op.drop_table('kiosks')
