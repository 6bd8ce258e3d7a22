"""Rows that are written once and never changed: the case history and the fund ledger.

The code refuses updates and deletes here; on PostgreSQL a trigger refuses them too
(migration `restoration.0002_append_only_triggers`), so a raw UPDATE fails as well.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


MESSAGE = _("This record is append-only: it can be read but never changed or deleted.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(str(MESSAGE))

    def delete(self):
        raise AppendOnlyError(str(MESSAGE))

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(str(MESSAGE))


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(str(MESSAGE))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(str(MESSAGE))


def append_only_trigger_sql(table: str) -> tuple[str, str]:
    """PostgreSQL: (forward, reverse) SQL for a trigger refusing UPDATE and DELETE on `table`."""
    function = f"{table}_append_only"
    forward = f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS {function} ON {table};
        CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    reverse = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, reverse
