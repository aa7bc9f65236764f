"""communities and their needs lists; a submission links to its community record

Existing submissions are linked where their free-text community can be: each distinct
(district, street, name) that is filled in becomes a community proposed by the organisation
that named it first (an administrator confirms it, or merges it into another), and the
submissions naming it are linked to it. Submissions with a blank or unknown district, street
or name keep their free text only.

Revision ID: 0030
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import gongyi.db


revision = '0030'
down_revision = '0003'
branch_labels = None
depends_on = None

NAME_LIMIT = 100


def _tables() -> None:
    op.create_table('community',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('street', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('keeper_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'confirmed', 'rejected')", name=op.f('ck_community_status')),
    sa.ForeignKeyConstraint(['keeper_id'], ['organisation.id'], name=op.f('fk_community_keeper_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['organisation.id'], name=op.f('fk_community_proposed_by_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community')),
    sa.UniqueConstraint('district_code', 'street', 'name', name=op.f('uq_community_district_code_street_name'))
    )
    op.create_index(op.f('ix_community_keeper_id'), 'community', ['keeper_id'], unique=False)
    op.create_index('ix_community_status_district', 'community', ['status', 'district_code'], unique=False)
    op.create_table('community_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=5), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name=op.f('ck_community_need_priority')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_community_need_year')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_community_need_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_code'], ['item.code'], name=op.f('fk_community_need_item_code_item')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['organisation.id'], name=op.f('fk_community_need_recorded_by_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_need')),
    sa.UniqueConstraint('community_id', 'year', 'item_code', name=op.f('uq_community_need_community_id_year_item_code'))
    )
    op.create_index('ix_community_need_year_item', 'community_need', ['year', 'item_code'], unique=False)


def _links() -> None:
    # A table of its own rather than a column of "submission": on SQLite adding a foreign key
    # column there means copying the table, which trips the review triggers that name it.
    op.create_table('submission_community',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_submission_community_community_id_community'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_community_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_submission_community'))
    )
    op.create_index(op.f('ix_submission_community_community_id'), 'submission_community', ['community_id'], unique=False)


def _link_existing_submissions() -> None:
    """Each filled-in (district, street, name) becomes a proposed community; its submissions link to it."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, organisation_id, community_district, community_street, community_name, created_at "
        "FROM submission ORDER BY created_at, id")).all()
    communities: dict[tuple[str, str, str], list] = {}
    for sid, org_id, district, street, name, created_at in rows:
        key = ((district or "").strip(), (street or "").strip(), (name or "").strip())
        if len(key[0]) != 6 or not key[0].isdigit() or not key[1] or not key[2] \
                or len(key[1]) > NAME_LIMIT or len(key[2]) > NAME_LIMIT:
            continue
        communities.setdefault(key, []).append((sid, org_id, created_at))
    for (district, street, name), linked in communities.items():
        _sid, org_id, created_at = linked[0]
        community_id = bind.execute(sa.text(
            "INSERT INTO community (district_code, street, name, status, keeper_id, proposed_by_id, created_at) "
            "VALUES (:d, :s, :n, 'proposed', :o, :o, :t) RETURNING id"),
            {"d": district, "s": street, "n": name, "o": org_id, "t": created_at}).scalar_one()
        bind.execute(sa.text("INSERT INTO submission_community (submission_id, community_id) VALUES (:s, :c)"),
                     [{"s": sid, "c": community_id} for sid, _o, _t in linked])


def upgrade() -> None:
    _tables()
    _links()
    _link_existing_submissions()


def downgrade() -> None:
    op.drop_index(op.f('ix_submission_community_community_id'), table_name='submission_community')
    op.drop_table('submission_community')
    op.drop_index('ix_community_need_year_item', table_name='community_need')
    op.drop_table('community_need')
    op.drop_index('ix_community_status_district', table_name='community')
    op.drop_index(op.f('ix_community_keeper_id'), table_name='community')
    op.drop_table('community')
