"""Make the audit log append-only

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 22:15:00

The audit log (incident_changes) is also the change feed, so a row changed
or deleted after the fact would rewrite history that staff, the gateway
and the live stream have already seen. Triggers reject UPDATE and DELETE on
both engines.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "incident_changes is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER incident_changes_no_{event.lower()} "
                f"BEFORE {event} ON incident_changes "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION incident_changes_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER incident_changes_append_only BEFORE UPDATE OR DELETE "
        "ON incident_changes FOR EACH ROW EXECUTE FUNCTION incident_changes_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS incident_changes_no_update")
        op.execute("DROP TRIGGER IF EXISTS incident_changes_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS incident_changes_append_only ON incident_changes")
    op.execute("DROP FUNCTION IF EXISTS incident_changes_append_only()")
