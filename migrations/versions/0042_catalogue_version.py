"""the catalogue's version: a token that changes with every write to its categories or items

The order form lists the whole catalogue each time it opens; each process keeps the catalogue it
read under this token and reads it again only when the token has changed. Triggers change the
token with any insert, update, delete (or truncation) of a category or an item, whoever writes it (a catalogue
load, a migration, an administrator's SQL), so no process keeps an outdated menu.

Revision ID: 0042
Revises: 0041
"""
import uuid

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

TABLES = ("category", "item")
EVENTS = {"INSERT": "inserted", "UPDATE": "updated", "DELETE": "deleted"}  # SQLite: a trigger per event


def upgrade() -> None:
    table = op.create_table(
        'catalogue_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_catalogue_version_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version')),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION catalogue_changed() RETURNS trigger AS $$
            BEGIN
                UPDATE catalogue_version SET token = md5(random()::text || clock_timestamp()::text);
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
        """)
        for name in TABLES:
            op.execute(f"""
                CREATE TRIGGER trg_{name}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {name}
                FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()
            """)
        return
    for name in TABLES:
        for event, done in EVENTS.items():
            op.execute(f"""
                CREATE TRIGGER trg_{name}_{done} AFTER {event} ON {name}
                BEGIN UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TABLES:
            op.execute(f"DROP TRIGGER trg_{name}_changed ON {name}")
        op.execute("DROP FUNCTION catalogue_changed()")
    else:
        for name in TABLES:
            for done in EVENTS.values():
                op.execute(f"DROP TRIGGER trg_{name}_{done}")
    op.drop_table('catalogue_version')
